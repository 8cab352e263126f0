#!/usr/bin/env bash
# The SFTP clients people sync and mount with, on this project's daemon and on OpenSSH's sshd (its sftp-server), in
# the same run: rclone sync of a source tree up to the server and back into an empty directory, and cp -r of a source
# tree into an sshfs mount. Alternates the servers (A B A B ...) and prints the median wall time of each, the
# ours/OpenSSH ratio, and each server's CPU time (its process and every child it reaped) for the same work.
# Never part of the test suite; run as root on a quiet machine (numbers from a loaded one mean little).
#
#   sudo bench/sftp-clients.sh                        # RUNS=3 FILES=2000 CP_FILES=500
#   RUNS=1 FILES=100 CP_FILES=50 sudo bench/sftp-clients.sh   # a quick check that it works
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
FILES=${FILES:-2000}
CP_FILES=${CP_FILES:-500}
B=$(mktemp -d /tmp/sandbox-sshd-sftp-clients.XXXXXX)
chmod 755 "$B"
PIDS=()
MOUNTS=()
cleanup() {
  for m in "${MOUNTS[@]}"; do
    nsenter --mount="/proc/${m%%:*}/ns/mnt" -- fusermount3 -u "${m#*:}" 2>/dev/null || true
    PIDS+=("${m%%:*}")
  done
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$B" /home/tl-user/bench-clients
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "run as root (both servers run as root, as in a sandbox)"; exit 2; }
for tool in rclone sshfs fusermount3 nsenter unshare curl python3; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install sshfs fuse3 rclone util-linux curl python3)"; exit 2; }
done
[ -x /usr/sbin/sshd ] || { echo "needs openssh-server (/usr/sbin/sshd)"; exit 2; }
id tl-user >/dev/null 2>&1 || useradd -m -s /bin/bash -G sudo tl-user
[ -f sshd-server/target/sandbox-sshd.jar ] || mvn -q -DskipTests package

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# wall time of a command in ms
time_ms() { local t0 t1; t0=$(date +%s%N); "$@"; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
# CPU time in ms of a process and all its descendants, live (sshd's session processes, an sftp-server that serves a
# mount) and reaped (counted in their parent's cutime/cstime)
cpu_ms() {
  python3 - "$1" <<'PY'
import os, sys
hz = os.sysconf("SC_CLK_TCK")
procs = {}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    procs[int(pid)] = (int(f[1]), sum(int(x) for x in f[11:15]))
total, todo = 0, [int(sys.argv[1])]
while todo:
    p = todo.pop()
    total += procs.get(p, (0, 0))[1]
    todo += [c for c, (pp, _) in procs.items() if pp == p]
print(total * 1000 // hz)
PY
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# A source tree: FILES small text files (100 B to 6 KiB) in nested directories, the same bytes for the same count.
tree() { # dir count
  python3 - "$1" "$2" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
r = random.Random(n)
for i in range(n):
    d = os.path.join(root, "docs/part%d" % (i % 11)) if i % 5 == 0 else \
        os.path.join(root, "src/main/java/dev/example/m%d/p%d" % (i % 7, i % 23))
    os.makedirs(d, exist_ok=True)
    size = 100 + r.randrange(6 * 1024)
    text = "// file %d\n" % i
    while len(text) < size:
        text += "    int v%d = %d;\n" % (r.randrange(10**6), r.getrandbits(63))
    with open(os.path.join(d, "File%d%s" % (i, ".md" if i % 5 == 0 else ".java")), "w") as f:
        f.write(text)
PY
  chmod -R a+rX "$1"
}
tree "$B/tree" "$FILES"
tree "$B/cptree" "$CP_FILES"

ssh-keygen -q -t ed25519 -N '' -f "$B/client" -C bench
ssh-keygen -q -t ed25519 -N '' -f "$B/openssh_host"
cp "$B/client.pub" "$B/authorized_keys"; chmod 644 "$B/authorized_keys"

# OpenSSH's sshd with its own config and Debian's sftp-server. UsePAM yes: Debian's PAM account stack lets the key
# in although tl-user's password field is locked (as in OpenSshServer), so nothing of the account changes.
PORT_O=$(free_port)
mkdir -p /run/sshd
cat > "$B/sshd_config" <<CFG
Port $PORT_O
ListenAddress 127.0.0.1
HostKey $B/openssh_host
AuthorizedKeysFile $B/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM yes
StrictModes no
PidFile $B/sshd.pid
Subsystem sftp /usr/lib/openssh/sftp-server
CFG
/usr/sbin/sshd -D -e -f "$B/sshd_config" 2> "$B/openssh.log" & SSHD=$!; PIDS+=($SSHD)

PORT_S=$(free_port)
bin/sandbox-sshd --api-listen 127.0.0.1:0 --ssh-listen 127.0.0.1:$PORT_S --state-dir "$B/state" \
  > "$B/ours.out" 2> "$B/ours.log" & OURS=$!; PIDS+=($OURS)
until grep -q "api listening" "$B/ours.out" 2>/dev/null; do sleep 0.05; done
API=$(grep -o 'api listening on [^ ]*' "$B/ours.out" | awk '{print $4}')
curl -sf -H "Authorization: Bearer $(cat "$B/state/api-token")" \
  -d "{\"proxy_pubkey\": \"$(cat "$B/client.pub")\", \"backend_user\": \"tl-user\"}" "http://$API/api/v1/ssh/enable" > /dev/null

SSH_OPTS=(-F /dev/null -i "$B/client" -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes
          -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
for port in "$PORT_O" "$PORT_S"; do
  until ssh "${SSH_OPTS[@]}" -p "$port" tl-user@127.0.0.1 true 2>/dev/null; do sleep 0.05; done
done
ssh "${SSH_OPTS[@]}" -p "$PORT_S" tl-user@127.0.0.1 'rm -rf bench-clients && mkdir bench-clients'

name_of() { [ "$1" = "$PORT_S" ] && echo ours || echo openssh; }
pid_of() { [ "$1" = "$PORT_S" ] && echo "$OURS" || echo "$SSHD"; }

: > "$B/rclone.conf"
# rclone with the remote srv: as the server on this port (environment config, no known_hosts check)
rc() { # port args...
  local port=$1; shift
  env HOME="$B" RCLONE_CONFIG_SRV_TYPE=sftp RCLONE_CONFIG_SRV_HOST=127.0.0.1 RCLONE_CONFIG_SRV_PORT="$port" \
    RCLONE_CONFIG_SRV_USER=tl-user RCLONE_CONFIG_SRV_KEY_FILE="$B/client" rclone --config "$B/rclone.conf" "$@"
}

# one sshfs mount per server, in a mount namespace of its own (sshfs is that namespace's process), kept for all runs
declare -A MNT
mount_sshfs() { # port
  local port=$1 name dir pid
  name=$(name_of "$port"); dir=bench-clients/mnt-$name
  ssh "${SSH_OPTS[@]}" -p "$port" tl-user@127.0.0.1 "mkdir -p $dir"
  mkdir -p "$B/mnt-$name"
  unshare --mount --propagation private -- sshfs -f -o "ssh_command=ssh ${SSH_OPTS[*]} -p $port" \
    "tl-user@127.0.0.1:$dir" "$B/mnt-$name" > "$B/sshfs-$name.log" 2>&1 & pid=$!
  MOUNTS+=("$pid:$B/mnt-$name")
  for _ in $(seq 1 600); do grep -q " $B/mnt-$name .* fuse.sshfs " "/proc/$pid/mountinfo" 2>/dev/null && break; sleep 0.05; done
  grep -q " $B/mnt-$name .* fuse.sshfs " "/proc/$pid/mountinfo" || { cat "$B/sshfs-$name.log" >&2; exit 1; }
  MNT[$name]=$pid
}
mount_sshfs "$PORT_S"
mount_sshfs "$PORT_O"

echo "rclone sync of $FILES files up and back, cp -r of $CP_FILES files into sshfs; $RUNS runs each, alternating servers"
echo "server,run,rclone_up_ms,rclone_down_ms,rclone_cpu_ms,sshfs_cp_ms,sshfs_cpu_ms" > "$B/results.csv"
for run in $(seq 1 "$RUNS"); do
  for port in "$PORT_S" "$PORT_O"; do
    name=$(name_of "$port"); pid=$(pid_of "$port"); m=${MNT[$name]}
    ssh "${SSH_OPTS[@]}" -p "$port" tl-user@127.0.0.1 "rm -rf bench-clients/rc"
    rm -rf "$B/back"; mkdir "$B/back"
    c0=$(cpu_ms "$pid")
    up=$(time_ms rc "$port" sync "$B/tree" srv:bench-clients/rc)
    down=$(time_ms rc "$port" sync srv:bench-clients/rc "$B/back")
    c1=$(cpu_ms "$pid")
    diff -r "$B/tree" "$B/back" > /dev/null || { echo "$name: the tree that came back differs" >&2; exit 1; }
    cp=$(time_ms nsenter --mount="/proc/$m/ns/mnt" -- cp -r "$B/cptree" "$B/mnt-$name/cp-$run")
    c2=$(cpu_ms "$pid")
    diff -r "$B/cptree" "/home/tl-user/bench-clients/mnt-$name/cp-$run" > /dev/null \
      || { echo "$name: the copy through sshfs differs" >&2; exit 1; }
    echo "$name,$run,$up,$down,$((c1 - c0)),$cp,$((c2 - c1))" | tee -a "$B/results.csv"
  done
done

echo
printf '%-28s %10s %10s %7s\n' "median of $RUNS" ours openssh ratio
for col in 3:rclone_up_ms 4:rclone_down_ms 5:rclone_cpu_ms 6:sshfs_cp_ms 7:sshfs_cpu_ms; do
  i=${col%%:*}; label=${col#*:}
  s=$(awk -F, -v i="$i" '$1 == "ours" { print $i }' "$B/results.csv" | median)
  o=$(awk -F, -v i="$i" '$1 == "openssh" { print $i }' "$B/results.csv" | median)
  printf '%-28s %10s %10s %7s\n' "$label" "$s" "$o" "$(awk -v s="$s" -v o="$o" 'BEGIN { printf (o > 0 ? "%.2f" : "-"), s / o }')"
done
# the up+down sum, the issue's rclone figure
s=$(awk -F, '$1 == "ours" { print $3 + $4 }' "$B/results.csv" | median)
o=$(awk -F, '$1 == "openssh" { print $3 + $4 }' "$B/results.csv" | median)
printf '%-28s %10s %10s %7s\n' "rclone_up+down_ms" "$s" "$o" "$(awk -v s="$s" -v o="$o" 'BEGIN { printf "%.2f", s / o }')"
echo "WARN lines in our daemon's log that are not refusals: $(grep ' WARN ' "$B/ours.log" | grep -vc ' refused ' || true)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
