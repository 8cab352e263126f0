#!/usr/bin/env bash
# Side-by-side benchmark: this project's daemon against OpenSSH's sshd and Dropbear, all as root on loopback, all
# logging in as tl-user, driven by the stock OpenSSH client. Alternates the servers (A B C A B C ...) and prints
# medians, the ours/OpenSSH ratio, ours against the best of the three ("to best": >= 1 means ours is the best, for
# times and sizes too), and a CSV. Dropbear serves every row: scp and rsync through the image's binaries, sftp
# through OpenSSH's sftp-server (/usr/lib/sftp-server), forwards itself. Never part of the test suite.
#
#   sudo bench/compare.sh                 # RUNS=5 SIZE_MB=1024 by default
#   RUNS=3 SIZE_MB=256 sudo bench/compare.sh
#   TESTS="L_forward R_forward" SETTINGS=gcm sudo bench/compare.sh   # a subset of the transfer rows
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-5}
SIZE_MB=${SIZE_MB:-1024}
LATENCY_N=${LATENCY_N:-50}
TESTS=${TESTS:-sftp_get sftp_put scp_get scp_put scp_O_get rsync_put L_forward R_forward}
SETTINGS=${SETTINGS:-gcm default}
PTY_KEYS=${PTY_KEYS:-1000}
PTY_MB=${PTY_MB:-256}
B=$(mktemp -d /tmp/sandbox-sshd-bench.XXXXXX)
chmod 755 "$B"
PIDS=()
AK=/home/tl-user/.ssh/authorized_keys
# Dropbear reads the user's own authorized_keys: put back what was there (idempotent).
restore_authorized_keys() {
  if [ -f "$B/ak.saved" ]; then cp -p "$B/ak.saved" "$AK"; rm "$B/ak.saved"
  elif [ -f "$B/ak.added" ]; then rm -f "$AK" "$B/ak.added"; fi
  if [ -f "$B/sshdir.added" ]; then rmdir /home/tl-user/.ssh 2>/dev/null || true; rm "$B/sshdir.added"; fi
}
# The password field is unlocked for the run (below) and put back as it was.
restore_password_field() {
  if [ -f "$B/pw.saved" ]; then usermod -p "$(cat "$B/pw.saved")" tl-user; rm "$B/pw.saved"; fi
}
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  restore_authorized_keys
  restore_password_field
  rm -rf "$B" /home/tl-user/bench-xfer
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "run as root (both servers run as root, as in a sandbox)"; exit 2; }
export DEBIAN_FRONTEND=noninteractive
missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v rsync >/dev/null || missing+=(rsync)
command -v curl >/dev/null || missing+=(curl)
[ -x /usr/sbin/dropbear ] || missing+=(dropbear-bin)
if [ ${#missing[@]} -gt 0 ]; then
  # never start the machine's own sshd service while installing it
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi
id tl-user >/dev/null 2>&1 || useradd -m -s /bin/bash -G sudo tl-user
# OpenSSH (UsePAM no) refuses a locked account ('!', what useradd leaves); '*' is unlocked but has no password.
if passwd -S tl-user | awk '{exit !($2 == "L")}'; then
  getent shadow tl-user | cut -d: -f2 > "$B/pw.saved"
  usermod -p '*' tl-user
fi
[ -f sshd-server/target/sandbox-sshd.jar ] || mvn -q -DskipTests package

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }

ssh-keygen -q -t ed25519 -N '' -f "$B/client" -C bench
ssh-keygen -q -t ed25519 -N '' -f "$B/openssh_host"
cp "$B/client.pub" "$B/authorized_keys"; chmod 644 "$B/authorized_keys"
dd if=/dev/urandom of="$B/src.bin" bs=1M count="$SIZE_MB" status=none
chmod 644 "$B/src.bin"
SRC_SHA=$(sha256sum "$B/src.bin" | cut -d' ' -f1)

# OpenSSH's sshd with its own config: only the bench key, no PAM, Debian's sftp-server.
PORT_O=$(free_port)
mkdir -p /run/sshd
cat > "$B/sshd_config" <<CFG
Port $PORT_O
ListenAddress 127.0.0.1
HostKey $B/openssh_host
AuthorizedKeysFile $B/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $B/sshd.pid
Subsystem sftp /usr/lib/openssh/sftp-server
AcceptEnv LANG LC_*
AllowTcpForwarding yes
MaxStartups 400
CFG
/usr/sbin/sshd -D -e -f "$B/sshd_config" 2> "$B/openssh.log" & PIDS+=($!)

# The image trains its class-data-sharing archive at build time (start, API answering, stop); do the same here
# so the start measured below is the shipped one.
bin/sandbox-sshd --api-listen 127.0.0.1:0 --ssh-listen 127.0.0.1:0 --state-dir "$B/train" > "$B/train.out" 2>&1 & TRAIN=$!
until grep -q "api listening" "$B/train.out" 2>/dev/null; do sleep 0.05; done
kill "$TRAIN"; wait "$TRAIN" || true

# Ours, enabled through the real HTTP API.
PORT_S=$(free_port)
T0=$(ms)
# MaxStartups as OpenSSH's config above: 200 clients connect at once below.
bin/sandbox-sshd --api-listen 127.0.0.1:0 --ssh-listen 127.0.0.1:$PORT_S --max-startups 400 \
  --state-dir "$B/state" > "$B/ours.out" 2> "$B/ours.log" & OURS=$!; PIDS+=($OURS)
until grep -q "api listening" "$B/ours.out" 2>/dev/null; do sleep 0.01; done
T1=$(ms)
API=$(grep -o 'api listening on [^ ]*' "$B/ours.out" | awk '{print $4}')
TOKEN=$(cat "$B/state/api-token")
# The call the platform's proxy makes: this key, for tl-user.
enable_ours() {
  curl -sf -H "Authorization: Bearer $TOKEN" -d "{\"proxy_pubkey\": \"$(cat "$B/client.pub")\", \"backend_user\": \"tl-user\"}" \
    "http://$API/api/v1/ssh/enable" > /dev/null
}
T2=$(ms)
enable_ours

SSH_OPTS=(-F /dev/null -i "$B/client" -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes
          -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
for i in $(seq 1 100); do ssh "${SSH_OPTS[@]}" -p "$PORT_S" tl-user@127.0.0.1 true 2>/dev/null && break; sleep 0.01; done
T3=$(ms)
until ssh "${SSH_OPTS[@]}" -p "$PORT_O" tl-user@127.0.0.1 true 2>/dev/null; do sleep 0.05; done

# Idle RSS with SSH enabled, before any transfer, each server having served a login; Dropbear's for reference
# (its listener, after one login, with the same key in tl-user's authorized_keys for the moment).
rss_mb() { awk -v k="$(ps -o rss= -p "$1")" 'BEGIN{printf "%.1f", k/1024}'; }
# Idle means some seconds without traffic: the launcher hands freed native memory back every 5 s.
sleep 6
IDLE_O=$(rss_mb "$(cat "$B/sshd.pid")"); IDLE_S=$(rss_mb "$OURS")
[ -d /home/tl-user/.ssh ] || touch "$B/sshdir.added"
install -d -o tl-user -g tl-user -m 700 /home/tl-user/.ssh
if [ -f "$AK" ]; then cp -p "$AK" "$B/ak.saved"; else touch "$B/ak.added"; fi
cat "$B/client.pub" >> "$AK"; chown tl-user: "$AK"; chmod 600 "$AK"
dropbearkey -t ed25519 -f "$B/dropbear_host" > /dev/null 2>&1
PORT_D=$(free_port)
# -s: no passwords (forwards are on by default); tl-user's authorized_keys holds the bench key
# until the end (cleanup puts back what was there).
/usr/sbin/dropbear -F -E -s -p "127.0.0.1:$PORT_D" -r "$B/dropbear_host" -P "$B/dropbear.pid" 2> "$B/dropbear.log" & DROP=$!; PIDS+=($DROP)
until ssh "${SSH_OPTS[@]}" -p "$PORT_D" tl-user@127.0.0.1 true 2>/dev/null; do sleep 0.05; done
IDLE_D=$(rss_mb "$DROP")

for port in "$PORT_O" "$PORT_S" "$PORT_D"; do
  ssh "${SSH_OPTS[@]}" -p "$port" tl-user@127.0.0.1 'rm -rf bench-xfer; mkdir -p bench-xfer'
done
# the source for downloads, in the user's home (both servers see the same directory)
cp "$B/src.bin" /home/tl-user/bench-xfer/src.bin && chown tl-user: /home/tl-user/bench-xfer/src.bin

verify_remote() { # port path
  local got; got=$(ssh "${SSH_OPTS[@]}" -p "$1" tl-user@127.0.0.1 "sha256sum $2 | cut -d' ' -f1")
  [ "$got" = "$SRC_SHA" ] || { echo "checksum mismatch on port $1: $2" >&2; exit 1; }
}
verify_local() { [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$SRC_SHA" ] || { echo "checksum mismatch: $1" >&2; exit 1; }; }

# One transfer; prints MB/s (10^6 B/s). Args: test port verify(0|1) cipher-option...
run_one() {
  local test=$1 port=$2 verify=$3; shift 3
  local c=("$@") r=bench-xfer/f.bin l="$B/down.bin" t0 t1
  rm -f "$l"
  case $test in *_get) r=bench-xfer/src.bin ;; esac
  t0=$(date +%s%N)
  case $test in
    sftp_get)  echo "get $r $l" | sftp "${SSH_OPTS[@]}" "${c[@]}" -P "$port" -b - tl-user@127.0.0.1 >/dev/null ;;
    sftp_put)  echo "put $B/src.bin $r" | sftp "${SSH_OPTS[@]}" "${c[@]}" -P "$port" -b - tl-user@127.0.0.1 >/dev/null ;;
    scp_get)   scp "${SSH_OPTS[@]}" "${c[@]}" -P "$port" tl-user@127.0.0.1:$r "$l" ;;
    scp_put)   scp "${SSH_OPTS[@]}" "${c[@]}" -P "$port" "$B/src.bin" tl-user@127.0.0.1:$r ;;
    scp_O_get) scp -O "${SSH_OPTS[@]}" "${c[@]}" -P "$port" tl-user@127.0.0.1:$r "$l" ;;
    rsync_put) ssh "${SSH_OPTS[@]}" -p "$port" tl-user@127.0.0.1 "rm -f $r"
               rsync -a --whole-file -e "ssh ${SSH_OPTS[*]} ${c[*]} -p $port" "$B/src.bin" tl-user@127.0.0.1:$r ;;
  esac
  t1=$(date +%s%N)
  if [ "$verify" = 1 ]; then
    case $test in
      *_get) verify_local "$l" ;;
      *) verify_remote "$port" "$r" ;;
    esac
  fi
  awk -v b=$((SIZE_MB * 1048576)) -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", b / (ns / 1e9) / 1e6 }'
}

# A sink: reads connections to EOF and exits after the first that carried data (readiness probes carry none).
sink() { python3 -c 'import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
n=0
while n == 0:
    c,_=s.accept()
    while True:
        b=c.recv(1<<20)
        if not b: break
        n+=len(b)
    c.close()
print(n)' "$1"; }

await_port() { for i in $(seq 1 500); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.02; done; return 1; }

# One forward: 1 file through ssh -L or -R into a sink; prints MB/s. Args: test port cipher-option...
forward_one() {
  local test=$1 port=$2; shift 2
  local c=("$@") sp fp spid cpid t0 t1 n
  sp=$(free_port); fp=$(free_port)
  sink "$sp" > "$B/sink.out" & spid=$!
  await_port "$sp" || true
  if [ "$test" = L_forward ]; then spec=(-L "$fp:127.0.0.1:$sp"); else spec=(-R "$fp:127.0.0.1:$sp"); fi
  ssh "${SSH_OPTS[@]}" "${c[@]}" -o ExitOnForwardFailure=yes -N "${spec[@]}" -p "$port" tl-user@127.0.0.1 & cpid=$!
  await_port "$fp"
  t0=$(date +%s%N)
  cat "$B/src.bin" > "/dev/tcp/127.0.0.1/$fp"
  wait "$spid"
  t1=$(date +%s%N)
  kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null || true
  n=$(cat "$B/sink.out")
  [ "$n" = $((SIZE_MB * 1048576)) ] || { echo "forward lost bytes: $n" >&2; exit 1; }
  awk -v b="$n" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", b / (ns / 1e9) / 1e6 }'
}

median() { sort -n | awk '{a[NR]=$1} END { if (NR%2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2 }'; }

CSV="$B/results.csv"; echo "measurement,setting,openssh,dropbear,ours,ratio,to_best" > "$CSV"
# to best: ours against the best of the servers that have a number, >= 1 when ours is the best: best/ours for rows
# where less is better (ms, s, MB, KB), ours/best for the others (MB/s, counts).
row() { # name setting openssh dropbear ours
  local ratio best
  ratio=$(awk -v o="$3" -v s="$5" 'BEGIN { if (o > 0) printf "%.2f", s / o; else print "n/a" }')
  best=$(awk -v n="$1" -v o="$3" -v d="$4" -v s="$5" 'BEGIN {
    less = (n ~ / ms|s to all|RSS/); b = ""
    if (o + 0 > 0) b = o
    if (d + 0 > 0 && (b == "" || (less ? d + 0 < b + 0 : d + 0 > b + 0))) b = d
    if (s + 0 > 0 && (b == "" || (less ? s + 0 < b + 0 : s + 0 > b + 0))) b = s
    if (s + 0 <= 0 || b == "") print "n/a"; else printf "%.2f", less ? b / s : s / b }')
  printf "| %-22s | %-12s | %10s | %10s | %10s | %5s | %7s |\n" "$1" "$2" "$3" "$4" "$5" "$ratio" "$best"
  echo "$1,$2,$3,$4,$5,$ratio,$best" >> "$CSV"
}

echo "# sandbox-sshd vs OpenSSH sshd and Dropbear — $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; ours on $("${SANDBOX_SSHD_JAVA:-java}" -version 2>&1 | head -1); $(ssh -V 2>&1); Dropbear $(/usr/sbin/dropbear -V 2>&1 | awk '{print $NF}' | head -1); file ${SIZE_MB} MiB; $RUNS runs each, alternating; MB/s = 10^6 B/s"
echo
echo "| measurement            | setting      |    OpenSSH |   Dropbear |       ours | ratio | to best |"
echo "|------------------------|--------------|------------|------------|------------|-------|---------|"
for setting in $SETTINGS; do
  if [ $setting = gcm ]; then C=(-c aes128-gcm@openssh.com); else C=(); fi
  # Dropbear (Debian's 2022.83) offers no AES-GCM: its column is "-" for those rows
  D=1; [ $setting = gcm ] && ! /usr/sbin/dropbear -h 2>&1 | grep -q gcm && D=0
  for test in $TESTS; do
    o=(); s=(); d=()
    for i in $(seq 1 "$RUNS"); do
      v=0; [ "$i" = 1 ] && v=1
      case $test in
        *_forward) o+=("$(forward_one $test "$PORT_O" "${C[@]}")"); s+=("$(forward_one $test "$PORT_S" "${C[@]}")")
                   [ $D = 1 ] && d+=("$(forward_one $test "$PORT_D" "${C[@]}")") ;;
        *) o+=("$(run_one $test "$PORT_O" $v "${C[@]}")"); s+=("$(run_one $test "$PORT_S" $v "${C[@]}")")
           [ $D = 1 ] && d+=("$(run_one $test "$PORT_D" $v "${C[@]}")") ;;
      esac
    done
    dm=-; [ $D = 1 ] && dm=$(printf '%s\n' "${d[@]}" | median)
    row "$test MB/s" "$setting" "$(printf '%s\n' "${o[@]}" | median)" "$dm" "$(printf '%s\n' "${s[@]}" | median)"
  done
done

latency() { # port -> median ms of `ssh host true`
  for i in $(seq 1 "$LATENCY_N"); do
    t0=$(date +%s%N); ssh "${SSH_OPTS[@]}" -p "$1" tl-user@127.0.0.1 true; t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 ))
  done | median | awk '{ printf "%.1f", $1 / 1000 }'
}
for i in 1 2 3 4 5; do ssh "${SSH_OPTS[@]}" -p "$PORT_S" tl-user@127.0.0.1 true; done
row "ssh true ms" "default" "$(latency "$PORT_O")" "$(latency "$PORT_D")" "$(latency "$PORT_S")"
# Enable again on the warm daemon (same key and user) and log in: the path a proxy takes when it re-enables.
# Median ms of 3; extra args go to ssh.
warm_enable() {
  for i in 1 2 3; do
    t0=$(ms); enable_ours; ssh "${SSH_OPTS[@]}" "$@" -p "$PORT_S" tl-user@127.0.0.1 true; echo $(( $(ms) - t0 ))
  done | median
}
warm_enable > "$B/warm_enable"
# The same with curve25519: the stock client spends ~160 ms generating its sntrup761 key before the server can
# answer (OpenSSH's sshd pays it too); this row is the part a server can influence.
warm_enable -o KexAlgorithms=curve25519-sha256 > "$B/warm_enable_x25519"

# RSS (KB) of a process and all its descendants whose command starts with the given name.
tree_rss() { ps -e -o pid=,ppid=,rss=,comm= | awk -v root="$1" -v name="$2" '
  { ppid[$1]=$2; rss[$1]=$3; comm[$1]=$4 }
  END { for (p in ppid) { q=p; while (q != "" && q != root && q != 1 && q != 0) q=ppid[q];
          if (q == root && index(comm[p], name) == 1) t += rss[p] } ; print t + 0 }'; }
# 200 sessions each running `sleep 30` at once: seconds until all are up, and the server's RSS growth per session.
sessions200() { # port root-pid name
  local before after t0 t1 pids=() up
  before=$(tree_rss "$2" "$3")
  [ "$3" = java ] && before=$(ps -o rss= -p "$2")
  t0=$(ms)
  for i in $(seq 1 200); do
    ssh "${SSH_OPTS[@]}" -p "$1" tl-user@127.0.0.1 'echo up; exec sleep 30' > "$B/s200.$i" 2>&1 & pids+=($!)
  done
  until [ "$(cat "$B"/s200.* 2>/dev/null | grep -c '^up$')" -ge 200 ]; do
    [ $(( $(ms) - t0 )) -gt 120000 ] && break
    sleep 0.1
  done
  t1=$(ms)
  up=$(cat "$B"/s200.* | grep -c '^up$')
  # a session that never came up: say what its client printed
  [ "$up" -lt 200 ] && grep -L '^up$' "$B"/s200.* | head -2 | xargs -r tail -n 3 >&2
  after=$(tree_rss "$2" "$3")
  [ "$3" = java ] && after=$(ps -o rss= -p "$2")
  kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null || true
  rm -f "$B"/s200.*
  echo "$up $(( t1 - t0 )) $(( (after - before) / 200 ))"
}
read -r up_o ms_o kb_o <<< "$(sessions200 "$PORT_O" "$(cat "$B/sshd.pid")" sshd)"
read -r up_s ms_s kb_s <<< "$(sessions200 "$PORT_S" "$OURS" java)"
read -r up_d ms_d kb_d <<< "$(sessions200 "$PORT_D" "$DROP" dropbear)"
row "200 sessions up" "count" "$up_o" "$up_d" "$up_s"
s_of() { awk -v m="$1" 'BEGIN{printf "%.1f", m/1000}'; }
row "200 sessions: s to all up" "default" "$(s_of "$ms_o")" "$(s_of "$ms_d")" "$(s_of "$ms_s")"
row "RSS growth KB/session" "200 sleeping" "$kb_o" "$kb_d" "$kb_s"

# fresh: the listener after one login (OpenSSH's and Dropbear's per-connection children are gone by then)
row "idle RSS MB" "fresh enabled" "$IDLE_O" "$IDLE_D" "$IDLE_S"
sleep 6
row "idle RSS MB" "after runs" "$(rss_mb "$(cat "$B/sshd.pid")")" "$(rss_mb "$DROP")" "$(rss_mb "$OURS")"
echo
echo "ours: start -> API answering $((T1 - T0)) ms; enable call -> first login $((T3 - T2)) ms (cold JVM), $(cat "$B/warm_enable") ms (warm, median of 3; $(cat "$B/warm_enable_x25519") ms with curve25519)"
echo
# The PTY API has no OpenSSH counterpart; its goal is a keystroke round trip p99 <= 5 ms.
java "$ROOT/bench/PtyBench.java" "$API" "$B/state/api-token" "$PTY_KEYS" "$PTY_MB"
echo
echo "CSV:"; cat "$CSV"
