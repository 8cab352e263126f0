#!/usr/bin/env bash
# The bundled runtime's footprint: its size on disk (runtime, jar, class-data archive), and the daemon's memory
# (RSS, private, anonymous, from /proc/PID/smaps_rollup) fresh (enabled, one login, idle), after a 256 MiB sftp put and
# get, and after a minute idle. The runtime (image/build-runtime.sh) is installed in a directory of its own and trained
# there, as the image does; the daemon runs as root and serves tl-user, as in a sandbox. Never part of the test suite.
#
#   sudo bench/footprint.sh                     # SIZE_MB=256 IDLE_S=60
#   SYSTEM_JAVA=1 sudo bench/footprint.sh       # the same on the machine's java (bin/sandbox-sshd) for comparison
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SIZE_MB=${SIZE_MB:-256}
IDLE_S=${IDLE_S:-60}
B=$(mktemp -d /tmp/sandbox-sshd-footprint.XXXXXX)
chmod 755 "$B"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
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
