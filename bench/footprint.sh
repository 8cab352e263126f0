#!/usr/bin/env bash
# The bundled runtime's footprint: its size on disk (runtime, jar, class-data archive), and the daemon's memory
# (RSS, private, anonymous, from /proc/PID/smaps_rollup) fresh (enabled, one login, idle), after a 256 MiB sftp put and
# get, and after a minute idle. The runtime (image/build-runtime.sh) is installed in a directory of its own and trained
# there, as the image does; the daemon runs as root and serves tl-user, as in a sandbox. Never part of the test suite.
# Then the burst, for this daemon, OpenSSH's sshd and Dropbear one after the other in the same run, each measured the
# same way (RSS of all its processes summed: listener, per-connection children, sftp-server; not the user's
# commands): fresh idle (one login), every SAMPLE_S during a burst of CLIENTS clients for BURST_S seconds (each loops
# over sftp put+get of a FILE_MB file, exec, scp -O get and a `-tt` shell printing output; PTY_CLIENTS PTY API
# sessions printing output for ours), then 30 s, 60 s and 5 min after the last client left (AFTER_S). Writes
# footprint.csv and footprint.png (gnuplot: RSS over time per server) to OUT (default bench/out).
#
#   sudo bench/footprint.sh                     # SIZE_MB=256 IDLE_S=60, then CLIENTS=8 BURST_S=60
#   CLIENTS=4 BURST_S=20 AFTER_S="30 60" SIZE_MB=16 IDLE_S=5 sudo bench/footprint.sh   # a quick check
#   BURST=0 sudo bench/footprint.sh             # the runtime and its single-transfer rows only
#   SYSTEM_JAVA=1 sudo bench/footprint.sh       # the same on the machine's java (bin/sandbox-sshd) for comparison
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZE_MB=${SIZE_MB:-256}
IDLE_S=${IDLE_S:-60}
BURST=${BURST:-1}
CLIENTS=${CLIENTS:-8}
BURST_S=${BURST_S:-60}
FILE_MB=${FILE_MB:-16}
PTY_CLIENTS=${PTY_CLIENTS:-2}
AFTER_S=${AFTER_S:-30 60 300}
SAMPLE_S=${SAMPLE_S:-2}
OUT=${OUT:-$ROOT/bench/out}
B=$(mktemp -d /tmp/sandbox-sshd-footprint.XXXXXX)
chmod 755 "$B"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -f "$B/ak.saved" ] && cp -p "$B/ak.saved" /home/tl-user/.ssh/authorized_keys
  [ -f "$B/ak.added" ] && rm -f /home/tl-user/.ssh/authorized_keys
  [ -f "$B/sshdir.added" ] && rmdir /home/tl-user/.ssh 2> /dev/null
  [ -f "$B/pw.saved" ] && usermod -p "$(cat "$B/pw.saved")" tl-user
  rm -rf "$B" /home/tl-user/bench-footprint
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "run as root (the daemon runs as root, as in a sandbox)"; exit 2; }
id tl-user > /dev/null 2>&1 || useradd -m -s /bin/bash -G sudo tl-user
[ -f sshd-server/target/sandbox-sshd.jar ] || mvn -B -q -DskipTests package
runtime=target/runtime/opt/sandbox-sshd
if [ ! -x "$runtime/runtime/bin/java" ] || [ sshd-server/target/sandbox-sshd.jar -nt "$runtime/runtime/release" ]; then
  image/build-runtime.sh "$runtime"
fi
# installed and trained as image/Dockerfile does (the archive names the jar by its path: trained where it runs)
cp -a "$runtime" "$B/sandbox-sshd"
SANDBOX_SSHD_CDS=train "$B/sandbox-sshd/bin/sandbox-sshd" > /dev/null

mb() { du -sm "$@" | awk '{s += $1} END {print s}'; }
echo "bundled runtime on disk: $(mb "$B/sandbox-sshd") MB: java runtime $(mb "$B/sandbox-sshd/runtime") MB" \
  "(lib/modules $(mb "$B/sandbox-sshd/runtime/lib/modules"), libjvm.so $(mb "$B/sandbox-sshd/runtime/lib/server/libjvm.so")," \
  "modules: $(sed -n 's/^MODULES="\(.*\)"/\1/p' "$B/sandbox-sshd/runtime/release")), jar $(mb "$B/sandbox-sshd/sandbox-sshd.jar") MB," \
  "class-data archive $(mb "$B"/sandbox-sshd/*.jsa) MB"

ssh-keygen -q -t ed25519 -N '' -f "$B/client" -C footprint
dd if=/dev/urandom of="$B/src.bin" bs=1M count="$SIZE_MB" status=none
install -d -o tl-user -g tl-user /home/tl-user/bench-footprint
SSH_OPTS=(-F /dev/null -i "$B/client" -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes
          -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
# smaps_rollup: Rss, private (clean + dirty) and anonymous, in MB
mem() { awk '/^Rss:/ {r=$2} /^Private_(Clean|Dirty):/ {p+=$2} /^Anonymous:/ {a=$2}
             END {printf "%6.1f %8.1f %10.1f", r/1024, p/1024, a/1024}' "/proc/$1/smaps_rollup"; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }

measure() { # measure NAME LAUNCHER
  local name=$1 launcher=$2 pid api token port t0 t1
  rm -rf "$B/state"
  t0=$(ms)
  "$launcher" --api-listen 127.0.0.1:0 --ssh-listen 127.0.0.1:0 --state-dir "$B/state" > "$B/out" 2> "$B/log" &
  pid=$!; PIDS+=("$pid")
  until grep -q "api listening" "$B/out" 2>/dev/null; do kill -0 "$pid"; sleep 0.01; done
  t1=$(ms)
  api=$(grep -o 'api listening on [^ ]*' "$B/out" | awk '{print $4}')
  token=$(cat "$B/state/api-token")
  curl -sf -H "Authorization: Bearer $token" \
    -d "{\"proxy_pubkey\": \"$(cat "$B/client.pub")\", \"backend_user\": \"tl-user\"}" "http://$api/api/v1/ssh/enable" > /dev/null
  port=$(curl -sf -H "Authorization: Bearer $token" "http://$api/api/v1/ssh" | sed 's/.*"listen":"[^"]*:\([0-9]*\)".*/\1/')
  ssh "${SSH_OPTS[@]}" -p "$port" tl-user@127.0.0.1 true
  sleep 6 # idle: the launcher hands freed native memory back every 5 s
  echo "$name: start -> API line $((t1 - t0)) ms"
  printf '%-8s %-26s %6s %8s %10s\n' java state "RSS MB" "private" "anonymous"
  printf '%-8s %-26s %s\n' "$name" "fresh (enabled, 1 login)" "$(mem "$pid")"
  sftp "${SSH_OPTS[@]}" -P "$port" -b - tl-user@127.0.0.1 > /dev/null <<EOF
put $B/src.bin bench-footprint/f.bin
get bench-footprint/f.bin $B/back.bin
rm bench-footprint/f.bin
EOF
  cmp -s "$B/src.bin" "$B/back.bin" || { echo "sftp round trip differs"; exit 1; }
  rm -f "$B/back.bin"
  sleep 6
  printf '%-8s %-26s %s\n' "$name" "after ${SIZE_MB} MiB sftp put+get" "$(mem "$pid")"
  sleep "$IDLE_S"
  printf '%-8s %-26s %s\n' "$name" "then ${IDLE_S} s idle" "$(mem "$pid")"
  kill "$pid"; wait "$pid" || true
}

measure bundled "$B/sandbox-sshd/bin/sandbox-sshd"
if [ "${SYSTEM_JAVA:-}" = 1 ]; then
  echo "system java: $(java -version 2>&1 | head -1)"
  SANDBOX_SSHD_CDS=train "$ROOT/bin/sandbox-sshd" > /dev/null
  measure system "$ROOT/bin/sandbox-sshd"
fi

[ "$BURST" = 1 ] || exit 0

# ---- the burst, three servers -------------------------------------------------------------------------------
for t in /usr/sbin/sshd /usr/sbin/dropbear gnuplot; do command -v "$t" > /dev/null || { echo "needs $t (openssh-server, dropbear-bin, gnuplot)"; exit 2; }; done
mkdir -p "$OUT"
CSV=$OUT/footprint.csv
echo "server,seconds,phase,rss_mb" > "$CSV"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# OpenSSH (UsePAM no) and Dropbear refuse a locked account ('!'); '*' is unlocked but has no password.
if passwd -S tl-user | awk '{exit !($2 == "L")}'; then getent shadow tl-user | cut -d: -f2 > "$B/pw.saved"; usermod -p '*' tl-user; fi
# Dropbear reads the user's authorized_keys: the bench key is added for the run, and what was there put back.
[ -d /home/tl-user/.ssh ] || touch "$B/sshdir.added"
install -d -o tl-user -g tl-user -m 700 /home/tl-user/.ssh
if [ -f /home/tl-user/.ssh/authorized_keys ]; then cp -p /home/tl-user/.ssh/authorized_keys "$B/ak.saved"; else touch "$B/ak.added"; fi
cat "$B/client.pub" >> /home/tl-user/.ssh/authorized_keys; chown tl-user: /home/tl-user/.ssh/authorized_keys
chmod 600 /home/tl-user/.ssh/authorized_keys
head -c $((FILE_MB << 20)) /dev/urandom > "$B/file.bin"; chmod 644 "$B/file.bin"
FILE_SHA=$(sha256sum < "$B/file.bin" | cut -d' ' -f1)

# RSS (MB) of a server: its process and all descendants named like a server part (not the user's commands).
tree_mb() { ps -e -o pid=,ppid=,rss=,comm= | awk -v root="$1" '
  { ppid[$1]=$2; rss[$1]=$3; comm[$1]=$4 }
  END { for (p in ppid) { q=p; while (q != "" && q != root && q != 1 && q != 0) q=ppid[q];
          if (q == root && comm[p] ~ /^(sshd|sftp-server|dropbear|java)$/) t += rss[p] }; printf "%.1f", t / 1024 }'; }

burst_client() { # port id end
  set +e
  local port=$1 id=$2 end=$3 n=0 r=bench-footprint/b$2 got
  while [ "$(date +%s)" -lt "$end" ]; do
    case $((n % 4)) in
      0) printf 'put %s %s\nget %s %s\n' "$B/file.bin" "$r" "$r" "$B/got.$id" \
           | sftp -q -b - "${SSH_OPTS[@]}" -P "$port" tl-user@127.0.0.1 > /dev/null 2>&1
         got=$(sha256sum < "$B/got.$id" | cut -d' ' -f1); [ "$got" = "$FILE_SHA" ] || echo "sftp $id" >> "$B/burst.failed";;
      1) got=$(ssh "${SSH_OPTS[@]}" -p "$port" tl-user@127.0.0.1 sha256sum < "$B/file.bin" | cut -d' ' -f1)
         [ "$got" = "$FILE_SHA" ] || echo "exec $id" >> "$B/burst.failed";;
      2) scp -q -O "${SSH_OPTS[@]}" -P "$port" "tl-user@127.0.0.1:$r" "$B/got.$id" 2>/dev/null
         got=$(sha256sum < "$B/got.$id" | cut -d' ' -f1); [ "$got" = "$FILE_SHA" ] || echo "scp-O $id" >> "$B/burst.failed";;
      3) # a terminal printing FILE_MB of base64 (more with the terminal's CRLF)
         got=$(ssh "${SSH_OPTS[@]}" -tt -p "$port" tl-user@127.0.0.1 "head -c $((FILE_MB << 20)) /dev/zero | base64" 2>/dev/null | wc -c)
         [ "$got" -gt $((FILE_MB << 20)) ] || echo "tty $id" >> "$B/burst.failed";;
    esac
    n=$((n + 1))
  done
  rm -f "$B/got.$id"
}

# burst NAME PORT PID [API TOKEN_FILE]: samples fresh, during, and after; one CSV row per sample
burst() {
  local name=$1 port=$2 pid=$3 api=${4:-} token=${5:-} t0 end clients=() i done_at now last
  sleep 6
  t0=$(date +%s)
  echo "$name,0,fresh,$(tree_mb "$pid")" >> "$CSV"
  printf '%-9s fresh idle %7s MB\n' "$name" "$(tree_mb "$pid")"
  end=$(( $(date +%s) + BURST_S ))
  rm -f "$B/burst.failed"
  for i in $(seq 1 "$CLIENTS"); do burst_client "$port" "$i" "$end" & clients+=($!); done
  if [ -n "$api" ] && [ "$PTY_CLIENTS" -gt 0 ]; then
    ( while [ "$(date +%s)" -lt "$end" ]; do java "$ROOT/bench/BurstPty.java" "$api" "$token" "$PTY_CLIENTS" $((FILE_MB << 20)) || echo "pty" >> "$B/burst.failed"; done ) > /dev/null 2>&1 & clients+=($!)
  fi
  local peak=0
  while kill -0 "${clients[@]}" 2> /dev/null; do
    now=$(tree_mb "$pid"); peak=$(awk -v a="$now" -v b="$peak" 'BEGIN{print (a > b ? a : b)}')
    echo "$name,$(( $(date +%s) - t0 )),burst,$now" >> "$CSV"
    sleep "$SAMPLE_S"
  done
  wait "${clients[@]}" 2> /dev/null
  done_at=$(date +%s)
  printf '%-9s burst      %7s MB peak (%d clients, %d s; failed operations: %s)\n' "$name" "$peak" "$CLIENTS" \
    $((done_at - end + BURST_S)) "$(cat "$B/burst.failed" 2> /dev/null | wc -l)"
  last=0
  for a in $AFTER_S; do
    while [ $(( $(date +%s) - done_at )) -lt "$a" ]; do
      now=$(tree_mb "$pid"); echo "$name,$(( $(date +%s) - t0 )),after,$now" >> "$CSV"; sleep "$SAMPLE_S"
    done
    now=$(tree_mb "$pid")
    echo "$name,$(( $(date +%s) - t0 )),after $a s,$now" >> "$CSV"
    printf '%-9s %3d s after %7s MB\n' "$name" "$a" "$now"
  done
}

echo
echo "burst: $CLIENTS clients for $BURST_S s (sftp put+get of $FILE_MB MiB, exec, scp -O get, -tt output), then $AFTER_S s after"
# ours: the bundled runtime as installed above
rm -rf "$B/state"
"$B/sandbox-sshd/bin/sandbox-sshd" --api-listen 127.0.0.1:0 --ssh-listen 127.0.0.1:0 --state-dir "$B/state" \
  --max-startups 400 > "$B/out" 2> "$B/log" & OURS=$!; PIDS+=("$OURS")
until grep -q "api listening" "$B/out" 2>/dev/null; do kill -0 "$OURS"; sleep 0.05; done
api=$(grep -o 'api listening on [^ ]*' "$B/out" | awk '{print $4}')
token=$(cat "$B/state/api-token")
curl -sf -H "Authorization: Bearer $token" \
  -d "{\"proxy_pubkey\": \"$(cat "$B/client.pub")\", \"backend_user\": \"tl-user\"}" "http://$api/api/v1/ssh/enable" > /dev/null
port=$(curl -sf -H "Authorization: Bearer $token" "http://$api/api/v1/ssh" | sed 's/.*"listen":"[^"]*:\([0-9]*\)".*/\1/')
ssh "${SSH_OPTS[@]}" -p "$port" tl-user@127.0.0.1 true
burst ours "$port" "$OURS" "$api" "$B/state/api-token"
grep 'gave memory back' "$B/log" | tail -2 | sed 's/^/  /'
kill "$OURS"; wait "$OURS" 2> /dev/null || true

# OpenSSH's sshd with its own config (as bench/compare.sh): only the bench key, no PAM, Debian's sftp-server
ssh-keygen -q -t ed25519 -N '' -f "$B/openssh_host"
PORT_O=$(free_port)
mkdir -p /run/sshd
cat > "$B/sshd_config" <<CFG
Port $PORT_O
ListenAddress 127.0.0.1
HostKey $B/openssh_host
AuthorizedKeysFile $B/client.pub
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $B/sshd.pid
Subsystem sftp /usr/lib/openssh/sftp-server
MaxStartups 400
CFG
chmod 644 "$B/client.pub"
/usr/sbin/sshd -D -e -f "$B/sshd_config" 2> "$B/openssh.log" & SSHD=$!; PIDS+=("$SSHD")
until ssh "${SSH_OPTS[@]}" -p "$PORT_O" tl-user@127.0.0.1 true 2> /dev/null; do sleep 0.05; done
burst openssh "$PORT_O" "$SSHD"
kill "$SSHD"; wait "$SSHD" 2> /dev/null || true

dropbearkey -t ed25519 -f "$B/dropbear_host" > /dev/null 2>&1
PORT_D=$(free_port)
/usr/sbin/dropbear -F -E -s -p "127.0.0.1:$PORT_D" -r "$B/dropbear_host" -P "$B/dropbear.pid" 2> "$B/dropbear.log" & DROP=$!; PIDS+=("$DROP")
until ssh "${SSH_OPTS[@]}" -p "$PORT_D" tl-user@127.0.0.1 true 2> /dev/null; do sleep 0.05; done
burst dropbear "$PORT_D" "$DROP"
kill "$DROP"; wait "$DROP" 2> /dev/null || true

gnuplot <<GP
set datafile separator ","
set terminal pngcairo size 1000,600
set output "$OUT/footprint.png"
set title "RSS over time: $CLIENTS clients for $BURST_S s, then idle"
set xlabel "seconds since fresh idle"
set ylabel "RSS MB (all of the server's processes)"
set key top right
plot for [s in "ours openssh dropbear"] "< grep '^".s.",' $CSV" using 2:4 with linespoints title s
GP
echo "CSV: $CSV; plot: $OUT/footprint.png"
