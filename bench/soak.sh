#!/usr/bin/env bash
# Soak: CLIENTS concurrent clients for MINUTES against one daemon (as root, logging in as tl-user, on loopback),
# every byte checked by sha256, then the daemon's threads, fds, processes and RSS compared with their baseline.
# Not a test: a run proves the daemon holds up and gives back what it took. Exit 1 on any failed operation or
# anything not back to its baseline.
#
#   sudo bench/soak.sh                          # CLIENTS=100 MINUTES=10
#   CLIENTS=10 MINUTES=1 sudo bench/soak.sh     # a quick one
#
# Of the clients, PTY_CLIENTS (default a tenth) are PTY API sessions (bench/SoakPty.java: type 64 KiB into
# `head | sha256sum` over the WebSocket, check the hash and the exit frame, delete). The others loop over OpenSSH
# client operations on a FILE_KB random file of their own: exec (stdin hashed remotely), a shell on a terminal
# (`-tt`, exit code), sftp put+get, scp put+get, scp -O get, rsync put, a direct-tcpip stream (`-W`, as -L) and
# ssh -R over TCP and over a UNIX socket (an HTTP server on the client's side, fetched by curl on the server's).
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS=${CLIENTS:-100}
MINUTES=${MINUTES:-10}
FILE_KB=${FILE_KB:-1024}
PTY_CLIENTS=${PTY_CLIENTS:-$((CLIENTS / 10))}
SSH_CLIENTS=$((CLIENTS - PTY_CLIENTS))
SETTLE_S=${SETTLE_S:-120}

[ "$(id -u)" = 0 ] || { echo "run as root (the daemon runs as root, as in a sandbox)"; exit 2; }
id tl-user >/dev/null 2>&1 || { echo "needs the tl-user account"; exit 2; }
for t in ssh sftp scp rsync curl python3 java; do command -v $t >/dev/null || { echo "needs $t"; exit 2; }; done
[ -f sshd-server/target/sandbox-sshd.jar ] || mvn -q -DskipTests package

B=$(mktemp -d /tmp/sandbox-sshd-soak.XXXXXX)
chmod 755 "$B"
REMOTE=/home/tl-user/soak-$$
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$B" "$REMOTE" /tmp/soak-$$-*.sock
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ssh-keygen -q -t ed25519 -N '' -f "$B/client" -C soak
mkdir -p "$B/www"
for i in $(seq 1 "$SSH_CLIENTS"); do
  head -c $((FILE_KB * 1024)) /dev/urandom > "$B/www/c$i.bin"
  sha256sum < "$B/www/c$i.bin" | cut -d' ' -f1 > "$B/www/c$i.sha"
done
chmod -R a+rX "$B/www"
install -d -o tl-user -g tl-user -m 700 "$REMOTE"

# The client side's HTTP server, reached through the daemon by -W and by -R.
HTTP_PORT=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$B/www" "$HTTP_PORT" > "$B/http.log" 2>&1 & PIDS+=($!)

# MaxStartups as bench/compare.sh gives both servers: up to CLIENTS connections authenticate at once.
bin/sandbox-sshd --api-listen 127.0.0.1:0 --ssh-listen 127.0.0.1:0 --state-dir "$B/state" \
  --max-startups 400 --max-pty-sessions $((PTY_CLIENTS + 16)) > "$B/daemon.out" 2> "$B/daemon.log" & DAEMON=$!
PIDS+=($DAEMON)
until grep -q "api listening" "$B/daemon.out" 2>/dev/null; do sleep 0.05; done
API=$(grep -o 'api listening on [^ ]*' "$B/daemon.out" | awk '{print $4}')
TOKEN=$(cat "$B/state/api-token")
curl -sf -H "Authorization: Bearer $TOKEN" \
  -d "{\"proxy_pubkey\": \"$(cat "$B/client.pub")\", \"backend_user\": \"tl-user\"}" \
  "http://$API/api/v1/ssh/enable" > /dev/null
PORT=$(curl -sf -H "Authorization: Bearer $TOKEN" "http://$API/api/v1/ssh" | python3 -c 'import json,sys; print(json.load(sys.stdin)["listen"].rsplit(":",1)[1])')

SSH_OPTS=(-F /dev/null -i "$B/client" -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes
          -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=60)
SCP_OPTS=("${SSH_OPTS[@]}" -P "$PORT")
HOST=tl-user@127.0.0.1

# The daemon's count of threads, fds, processes below it (the sessions' and any orphan it adopted) and RSS in MB.
measure() {
  local threads fds procs rss
  threads=$(ls /proc/$DAEMON/task | wc -l)
  fds=$(ls /proc/$DAEMON/fd | wc -l)
  procs=$(ps -e -o pid=,ppid= | awk -v root=$DAEMON '{p[$1]=$2} END {n=0; for (x in p) {y=x; while (y in p && y != root && y > 1) y=p[y]; if (y == root && x != root) n++} print n}')
  rss=$(awk '{printf "%.1f", $2 * 4096 / 1048576}' /proc/$DAEMON/statm)
  echo "$threads $fds $procs $rss"
}

fail() { echo "$(date +%T) client $1 $2: $3 (stderr: $(tail -1 "$B/err.$1" 2>/dev/null))" >> "$B/failures"; }

# One client: operations in turn until the deadline (or MAX of them); one line per operation in $B/ops.<id>.
ssh_client() {
  set +e
  local id=$1 end=$2 max=${3:-0} n=0 want f=c$1.bin r got
  want=$(cat "$B/www/c$id.sha")
  local rport=$((21000 + id)) # below the ephemeral range, where no outgoing connection takes it
  while [ "$(date +%s)" -lt "$end" ] && { [ "$max" = 0 ] || [ "$n" -lt "$max" ]; }; do
    r="$REMOTE/c$id"
    case $((n % 10)) in
      0) got=$(ssh "${SSH_OPTS[@]}" -p "$PORT" $HOST sha256sum < "$B/www/$f" 2>>"$B/err.$id" | cut -d' ' -f1)
         [ "$got" = "$want" ] || fail "$id" exec "got '$got'";;
      1) # the terminal echoes the line typed: only the shell's evaluation of it makes the marker
         got=$(printf 'echo soak-%s-$((%s+1))\nexit 7\n' "$id" "$n" | ssh "${SSH_OPTS[@]}" -tt -p "$PORT" $HOST 2>>"$B/err.$id"; echo "rc=$?")
         case $got in *"soak-$id-$((n + 1))"*"rc=7") ;; *) fail "$id" tty "$(printf %q "$got" | tail -c 200)";; esac;;
      2) printf 'put %s %s\nget %s %s\n' "$B/www/$f" "$r.sftp" "$r.sftp" "$B/got.$id" \
           | sftp -q -b - "${SCP_OPTS[@]}" $HOST > /dev/null 2>>"$B/err.$id" || fail "$id" sftp "exit $?"
         got=$(sha256sum < "$B/got.$id" | cut -d' ' -f1); [ "$got" = "$want" ] || fail "$id" sftp "got '$got'";;
      3) scp -q "${SCP_OPTS[@]}" "$B/www/$f" "$HOST:$r.scp" 2>>"$B/err.$id" \
           && scp -q "${SCP_OPTS[@]}" "$HOST:$r.scp" "$B/got.$id" 2>>"$B/err.$id" || fail "$id" scp "exit $?"
         got=$(sha256sum < "$B/got.$id" | cut -d' ' -f1); [ "$got" = "$want" ] || fail "$id" scp "got '$got'";;
      4) scp -q -O "${SCP_OPTS[@]}" "$HOST:$r.scp" "$B/got.$id" 2>>"$B/err.$id" || fail "$id" scp-O "exit $?"
         got=$(sha256sum < "$B/got.$id" | cut -d' ' -f1); [ "$got" = "$want" ] || fail "$id" scp-O "got '$got'";;
      5) rsync -a -e "ssh ${SSH_OPTS[*]} -p $PORT" "$B/www/$f" "$HOST:$r.rsync" 2>>"$B/err.$id" || fail "$id" rsync "exit $?"
         got=$(ssh "${SSH_OPTS[@]}" -p "$PORT" $HOST sha256sum "$r.rsync" 2>>"$B/err.$id" | cut -d' ' -f1)
         [ "$got" = "$want" ] || fail "$id" rsync "got '$got'";;
      6|8) got=$(printf 'GET /%s HTTP/1.0\r\n\r\n' "$f" | ssh "${SSH_OPTS[@]}" -p "$PORT" -W "127.0.0.1:$HTTP_PORT" $HOST 2>>"$B/err.$id" \
           | tail -c $((FILE_KB * 1024)) | sha256sum | cut -d' ' -f1)
         [ "$got" = "$want" ] || fail "$id" direct-tcpip "got '$got'";;
      7) got=$(ssh "${SSH_OPTS[@]}" -p "$PORT" -o ExitOnForwardFailure=yes -R "$rport:127.0.0.1:$HTTP_PORT" $HOST \
           "curl -sf http://127.0.0.1:$rport/$f | sha256sum" 2>>"$B/err.$id" | cut -d' ' -f1)
         [ "$got" = "$want" ] || fail "$id" R-tcp "got '$got'";;
      9) local sock=/tmp/soak-$$-$id-$n.sock
         got=$(ssh "${SSH_OPTS[@]}" -p "$PORT" -o ExitOnForwardFailure=yes -R "$sock:127.0.0.1:$HTTP_PORT" $HOST \
           "curl -sf --unix-socket $sock http://x/$f | sha256sum" 2>>"$B/err.$id" | cut -d' ' -f1)
         [ "$got" = "$want" ] || fail "$id" R-unix "got '$got'";;
    esac
    echo "$((n % 10))" >> "$B/ops.$id"
    n=$((n + 1))
  done
}

# Warm up (one of each operation), then the baseline.
( ssh_client 1 $(( $(date +%s) + 600 )) 10 )
if [ -s "$B/failures" ]; then echo "warm-up failed:"; cat "$B/failures"; tail -5 "$B/err.1"; exit 1; fi
rm -f "$B/ops.1"
[ "$PTY_CLIENTS" -gt 0 ] && java bench/SoakPty.java "$API" "$B/state/api-token" 1 1 > /dev/null
sleep 6 # the launcher hands freed native memory back every 5 s
read -r T0 F0 P0 R0 < <(measure)
echo "baseline: threads $T0, fds $F0, processes $P0, RSS $R0 MB (daemon pid $DAEMON, ssh port $PORT, api $API)"

START=$(date +%s)
END=$((START + MINUTES * 60))
for i in $(seq 1 "$SSH_CLIENTS"); do ssh_client "$i" "$END" & PIDS+=($!); done
if [ "$PTY_CLIENTS" -gt 0 ]; then
  java bench/SoakPty.java "$API" "$B/state/api-token" "$PTY_CLIENTS" $((MINUTES * 60)) > "$B/pty.out" 2>&1 & PTY=$!
  PIDS+=($PTY)
fi
PEAK="0 0 0 0"
while [ "$(date +%s)" -lt "$END" ]; do
  sleep 10
  read -r t f p r < <(measure)
  read -r pt pf pp pr <<< "$PEAK"
  PEAK="$((t > pt ? t : pt)) $((f > pf ? f : pf)) $((p > pp ? p : pp)) $(awk -v a="$r" -v b="$pr" 'BEGIN{print (a > b ? a : b)}')"
  echo "$(( $(date +%s) - START )) s: threads $t, fds $f, processes $p, RSS $r MB"
done
wait_clients_ok=1
for i in $(seq 1 "$SSH_CLIENTS"); do wait "${PIDS[$((i + 1))]}" || wait_clients_ok=0; done
PTY_OK=1
[ "$PTY_CLIENTS" -gt 0 ] && { wait "$PTY" || PTY_OK=0; }
DONE=$(date +%s)

# Back to baseline: wait (at most SETTLE_S) for every count to come back; RSS is reported, not required.
back=0
for _ in $(seq 1 "$SETTLE_S"); do
  read -r T1 F1 P1 R1 < <(measure)
  if [ "$T1" -le "$T0" ] && [ "$F1" -le "$F0" ] && [ "$P1" -le "$P0" ]; then back=1; break; fi
  sleep 1
done
SETTLED=$(( $(date +%s) - DONE ))

echo
echo "soak: $CLIENTS clients ($SSH_CLIENTS OpenSSH, $PTY_CLIENTS PTY API) for $MINUTES min, ${FILE_KB} KiB files"
cat "$B"/ops.* 2>/dev/null | awk 'BEGIN {split("exec tty-shell sftp scp scp-O rsync direct-tcpip R-tcp direct-tcpip R-unix", n, " ")}
  {c[n[$1 + 1]]++} END {for (k in c) printf "  %s: %d\n", k, c[k]}' | sort
[ "$PTY_CLIENTS" -gt 0 ] && echo "  pty: $(tail -1 "$B/pty.out")"
TOTAL=$(cat "$B"/ops.* 2>/dev/null | wc -l || true)
FAILED=0; [ -f "$B/failures" ] && FAILED=$(wc -l < "$B/failures")
echo "  OpenSSH operations: $TOTAL, failed: $FAILED"
[ "$FAILED" -gt 0 ] && head -20 "$B/failures"
[ "$PTY_OK" = 1 ] || grep FAILED "$B/pty.out" | head -10
echo "  daemon log lines at WARN/ERROR: $(grep -c -E 'WARN|ERROR' "$B/daemon.log" || true)"
{ grep -E 'WARN|ERROR' "$B/daemon.log" || true; } | sed -E 's/^[^ ]+ //' | cut -c1-400 | sort | uniq -c | sort -rn | head -8
printf '  %-10s %10s %10s %10s\n' "" baseline peak "after ${SETTLED}s"
read -r pt pf pp pr <<< "$PEAK"
printf '  %-10s %10s %10s %10s\n' threads "$T0" "$pt" "$T1" fds "$F0" "$pf" "$F1" processes "$P0" "$pp" "$P1" "RSS MB" "$R0" "$pr" "$R1"
kill -0 "$DAEMON" 2>/dev/null || { echo "the daemon died"; exit 1; }
if [ "$FAILED" -gt 0 ] || [ "$PTY_OK" != 1 ] || [ "$back" != 1 ] || [ "$wait_clients_ok" != 1 ]; then
  echo "soak FAILED"; exit 1
fi
echo "soak passed"
