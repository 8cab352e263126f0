#!/usr/bin/env bash
# The image, tested with no Docker engine: the root filesystem image/Dockerfile builds, made with debootstrap
# (--variant=minbase bookworm, the base of debian:bookworm-slim) and set up by the same image/install-image.sh, the
# runtime from image/build-runtime.sh installed at the same path and trained the same way, then the daemon run as
# PID 1 inside it (unshare --pid --mount --uts --fork, chroot) with the image's entrypoint and driven from outside with
# the real clients: the HTTP API (curl), ssh, sftp, scp, rsync, -L, a PTY API session, orphans, SIGTERM and a restart.
#
# Run as root from anywhere: image/test-image.sh. Needs debootstrap (installed with apt-get when missing), unshare,
# nsenter, curl and the OpenSSH client; the JDK that builds the project. Nothing of the machine is changed: /proc,
# /dev (its own devpts for PTYs) and /tmp are mounted in the test's mount namespaces only, the hostname is set in the
# daemon's UTS namespace only, users are created inside the root filesystem only; every process is ended by its pid.
# The base root filesystem (debootstrap plus install-image.sh) is cached in target/image-cache/ (keyed by the mirror
# and install-image.sh); the runtime is rebuilt when the jar, the launcher or build-runtime.sh is newer.
#
# Env: IMAGE_TEST_ALLOW_ZOMBIES=1 reports leftover zombies instead of failing (a daemon without the PID 1 reaper); IMAGE_TEST_MIRROR the Debian mirror (default: the machine's apt source); IMAGE_TEST_KEEP=1 keeps the
# root filesystem in target/image-test/root. Ends with one line "N passed, N failed"; exit status 1 on any failure.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=$repo/target/image-cache
work=$repo/target/image-test
root=$work/root
runtime=$repo/target/runtime/opt/sandbox-sshd
t_start=$(date +%s%N)
passed=0
failed=0
pids=()

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
log() { printf '%s\n' "$*"; }
pass() { passed=$((passed + 1)); log "ok   - $*"; }
fail() { failed=$((failed + 1)); log "FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
expect() { if eval "$2"; then pass "$1"; else fail "$1"; fi; } # expect WHAT 'CONDITION' (evaluated as written)
die() { fail "$*"; finish; }
finish() {
  cleanup
  log "image test took $(( ($(date +%s%N) - t_start) / 1000000000 )) s"
  log "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

# Ends what this script started, by pid, last started first: TERM, then KILL after 5 s. A daemon is PID 1 of its
# namespace: when it goes, the kernel ends everything in that namespace, and its mounts go with the last process in the
# mount namespace. unshare ignores TERM; killed, it takes its child with it (--kill-child).
stop_pid() {
  local pid=$1 n=0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  while kill -0 "$pid" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}
cleanup() {
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_pid "${pids[i]}"; done
  pids=()
  if grep -q " $work/" /proc/self/mountinfo; then
    log "FAIL - mounts left under $work in the machine's mount namespace:"; grep " $work/" /proc/self/mountinfo
    failed=$((failed + 1))
  elif [ "${IMAGE_TEST_KEEP:-}" != 1 ]; then
    rm -rf "$root"
  fi
}
trap 'log "interrupted"; failed=$((failed + 1)); finish' INT TERM HUP

# in_image DIR CMD...: runs CMD chrooted in DIR as PID 1 of new PID, mount and UTS namespaces, with the environment a
# container of the image starts with (PATH, HOME and the Dockerfile's ENV lines, NAME=value each); /proc, /dev (null zero full random urandom tty, a devpts instance of its own with /dev/ptmx,
# shm) and /tmp are mounted in that mount namespace only. Started with & it is the unshare process itself ($!), whose
# one child is CMD.
IMAGE_ENV=$(sed -n 's/^ENV[[:space:]]\{1,\}\([A-Za-z_][A-Za-z0-9_]*=[^[:space:]]*\)[[:space:]]*$/\1/p' "$repo/image/Dockerfile" | tr '\n' ' ')
export IMAGE_ENV
image_setup='
  set -e
  r=$1; shift
  mount -t tmpfs -o mode=755,nosuid tmpfs "$r/dev"
  for d in null zero full random urandom tty; do touch "$r/dev/$d"; mount --bind "/dev/$d" "$r/dev/$d"; done
  mkdir "$r/dev/pts" "$r/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$r/dev/pts"
  ln -s pts/ptmx "$r/dev/ptmx"
  ln -s /proc/self/fd "$r/dev/fd"
  mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$r/dev/shm"
  mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$r/tmp"
  exec chroot "$r" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    $IMAGE_ENV "$@"'
in_image() {
  local dir=$1; shift
  exec unshare --pid --mount --uts --fork --kill-child --mount-proc="$dir/proc" -- \
    /bin/sh -c "$image_setup" in-image "$dir" "$@"
}

[ "$(id -u)" = 0 ] || { log "needs root (unshare, chroot, mounts in its own namespaces)"; die "not root"; }
mkdir -p "$cache" "$work"

# --- tools ---------------------------------------------------------------------------------------------------------
if ! command -v debootstrap > /dev/null; then
  log "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap > /dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap > /dev/null; } \
    || die "cannot install debootstrap"
fi
for tool in unshare nsenter chroot curl ssh sftp scp ssh-keygen ssh-keyscan rsync sha256sum tar; do
  command -v "$tool" > /dev/null || die "missing $tool"
done

# --- the runtime (image/build-runtime.sh, as the Dockerfile's build stage) --------------------------------------------
jar=$repo/sshd-server/target/sandbox-sshd.jar
if [ ! -f "$jar" ]; then
  log "building the jar"
  (cd "$repo" && mvn -B -q -DskipTests package) || die "mvn package"
fi
if [ ! -x "$runtime/runtime/bin/java" ] || [ "$jar" -nt "$runtime/runtime/release" ] \
    || [ "$repo/bin/sandbox-sshd" -nt "$runtime/runtime/release" ] \
    || [ "$repo/image/build-runtime.sh" -nt "$runtime/runtime/release" ]; then
  t=$(now_ms)
  "$repo/image/build-runtime.sh" "$runtime" || die "image/build-runtime.sh"
  log "runtime built in $(( $(now_ms) - t )) ms"
fi

# --- the base root filesystem: debootstrap + image/install-image.sh, cached ---------------------------------------------
mirror=${IMAGE_TEST_MIRROR:-$(sed -n 's/^URIs:[[:space:]]*\(http[^[:space:]]*\/debian\)\/*[[:space:]]*$/\1/p' \
  /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)}
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb[[:space:]]\+\(http[^[:space:]]*\/debian\)\/*[[:space:]].*/\1/p' /etc/apt/sources.list 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
# two tarballs: debootstrap's own (keyed by the mirror), and that with install-image.sh run in it (keyed by both)
boot_tar=$cache/debootstrap-bookworm-minbase-$(echo "$mirror" | sha256sum | cut -c1-12).tar
sudo_mode=${TL_USER_SUDO:-nopasswd} # as image/Dockerfile's build argument: nopasswd, or none for no sudo drop-in
key=$( (echo "$boot_tar"; echo "$sudo_mode"; cat "$repo/image/install-image.sh") | sha256sum | cut -c1-16)
base_tar=$cache/rootfs-bookworm-$key.tar
if [ ! -f "$base_tar" ]; then
  t=$(now_ms)
  base=$cache/base
  rm -rf "$base"
  if [ ! -f "$boot_tar" ]; then
    log "debootstrap --variant=minbase bookworm from $mirror (cached in $boot_tar)"
    # debootstrap mounts /proc and /sys in the target while it works: in a mount namespace of its own
    unshare --mount --fork -- debootstrap --variant=minbase bookworm "$base" "$mirror" > "$cache/debootstrap.log" 2>&1 \
      || { tail -20 "$cache/debootstrap.log"; die "debootstrap (log: $cache/debootstrap.log)"; }
    # the apt sources of debian:bookworm-slim, on this mirror
    rm -f "$base/etc/apt/sources.list"
    printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: %s\n\nTypes: deb\nURIs: %s\nSuites: bookworm-security\nComponents: main\nSigned-By: %s\n' \
      "$mirror" /usr/share/keyrings/debian-archive-keyring.gpg "${mirror%/debian}/debian-security" \
      /usr/share/keyrings/debian-archive-keyring.gpg > "$base/etc/apt/sources.list.d/debian.sources"
    rm -f "$base"/var/cache/apt/archives/*.deb # what debootstrap downloaded (30 MB)
    tar --numeric-owner -C "$base" -cf "$boot_tar.part" . && mv "$boot_tar.part" "$boot_tar" || die "tar $base"
    rm -rf "$base"
  fi
  mkdir -p "$base"
  tar --numeric-owner -C "$base" -xpf "$boot_tar" || die "unpacking $boot_tar"
  cp /etc/resolv.conf "$base/etc/resolv.conf" # apt-get needs a resolver (Docker's RUN has its own)
  log "image/install-image.sh in the base (cached in $base_tar)"
  (in_image "$base" /usr/bin/env TL_USER_SUDO="$sudo_mode" /bin/sh -s) < "$repo/image/install-image.sh" \
    > "$cache/install-image.log" 2>&1 \
    || { tail -20 "$cache/install-image.log"; die "install-image.sh in the base (log: $cache/install-image.log)"; }
  rm -f "$base/etc/resolv.conf"
  tar --numeric-owner -C "$base" -cf "$base_tar.part" . && mv "$base_tar.part" "$base_tar" || die "tar $base"
  rm -rf "$base"
  log "base root filesystem made in $(( ($(now_ms) - t) / 1000 )) s"
fi

# --- the image: the base, the runtime copied in and trained (as image/Dockerfile's final stage) ------------------------
t=$(now_ms)
rm -rf "$root"
mkdir -p "$root"
tar --numeric-owner -C "$root" -xpf "$base_tar" || die "unpacking $base_tar"
cp -a "$runtime" "$root/opt/sandbox-sshd"
train=$(in_image "$root" /bin/sh -c 'SANDBOX_SSHD_CDS=train /opt/sandbox-sshd/bin/sandbox-sshd' 2>&1)
check "class-data archive trained in the image: $train" [ -n "$(ls "$root"/opt/sandbox-sshd/sandbox-sshd.jar.*.jsa 2>/dev/null)" ]
log "image assembled in $(( $(now_ms) - t )) ms"

size_opt=$(du -sm "$root/opt/sandbox-sshd" | cut -f1)
log "/opt/sandbox-sshd: $size_opt MB (runtime $(du -sm "$root/opt/sandbox-sshd/runtime" | cut -f1) MB, jar $(( $(stat -c %s "$root/opt/sandbox-sshd/sandbox-sshd.jar") / 1048576 )) MB, class-data archive $(du -cm "$root"/opt/sandbox-sshd/*.jsa | tail -1 | cut -f1) MB); whole root filesystem $(du -sm "$root" | cut -f1) MB"
no_java_no_openssh() {
  local found
  found=$(find "$root" -xdev \( -name sshd -o -name sftp-server -o -name 'libjvm.so' -o -name java -o -name jvm \) \
    -not -path "$root/opt/sandbox-sshd/*" -print)
  [ -z "$found" ] || { log "  found: $found"; return 1; }
  found=$(chroot "$root" /bin/sh -c 'for t in java sshd sftp-server; do command -v $t; done')
  [ -z "$found" ] || { log "  on the PATH: $found"; return 1; }
}
check "no OpenSSH server, sftp-server or Java outside /opt/sandbox-sshd" no_java_no_openssh
check "the image's tools: rsync tmux ps hostname setsid sudo" \
  chroot "$root" /bin/sh -c 'for t in rsync tmux ps hostname setsid sudo; do command -v $t > /dev/null || exit 1; done'
check "tl-user exists, in group sudo, home /home/tl-user" \
  test "$(chroot "$root" /bin/sh -c 'id -nG tl-user | tr " " "\n" | grep -x sudo; getent passwd tl-user | cut -d: -f6')" = "sudo
/home/tl-user"

if [ "$sudo_mode" = nopasswd ]; then
  check "the sudo drop-in: /etc/sudoers.d/tl-user, root's, mode 0440" \
    [ "$(stat -c '%U %a' "$root/etc/sudoers.d/tl-user" 2>/dev/null)" = "root 440" ]
else
  check "TL_USER_SUDO=none: no sudo drop-in" [ ! -e "$root/etc/sudoers.d/tl-user" ]
fi
hosts_before=$(cat "$root/etc/hosts" 2>/dev/null)

# --- the daemon as PID 1 ------------------------------------------------------------------------------------------
daemon_ns_pid= # the daemon's pid on the machine (the unshare's child)
daemon_unshare=
api=
ssh_port=
token=
# the image's entrypoint (/opt/sandbox-sshd/bin/sandbox-sshd --set-hostname) on ports the machine has free
start_daemon() {
  local out=$1 n=0 t0
  t0=$(now_ms)
  (in_image "$root" /opt/sandbox-sshd/bin/sandbox-sshd --set-hostname --api-listen 127.0.0.1:0 \
    --ssh-listen 127.0.0.1:0) > "$out" 2>&1 &
  daemon_unshare=$!
  pids+=("$daemon_unshare")
  daemon_ns_pid=
  while [ $n -lt 600 ]; do
    if [ -z "$daemon_ns_pid" ]; then
      daemon_ns_pid=$(awk '{print $1}' "/proc/$daemon_unshare/task/$daemon_unshare/children" 2>/dev/null)
      [ -n "$daemon_ns_pid" ] && pids+=("$daemon_ns_pid")
    fi
    api=$(sed -n 's/.*api listening on \([0-9.]*:[0-9]*\) .*/\1/p' "$out")
    if [ -n "$api" ] && curl -s -o /dev/null "http://$api/api/v1/ssh"; then
      log "  start -> API answering: $(( $(now_ms) - t0 )) ms"
      return 0
    fi
    kill -0 "$daemon_unshare" 2>/dev/null || break
    sleep 0.1
    n=$((n + 1))
  done
  cat "$out"
  return 1
}
call() { # call METHOD PATH [BODY]: the API's body, then a line with the HTTP status
  local body=()
  [ $# -ge 3 ] && body=(-H 'Content-Type: application/json' -d "$3")
  curl -sS -X "$1" -H "Authorization: Bearer $token" "${body[@]}" -w '\n%{http_code}' "http://$api$2"
}
field() { sed -n 's/.*"'"$1"'"[[:space:]]*:[[:space:]]*"\{0,1\}\([^",}]*\).*/\1/p' | head -1; }

cdir=$work/client
rm -rf "$cdir"
mkdir -p "$cdir"
ssh-keygen -q -t ed25519 -N '' -C image-test -f "$cdir/key"
machine_hostname=$(hostname)

start_daemon "$work/daemon-1.log" || die "the daemon did not start (log above)"
check "the daemon is PID 1 of its namespace" grep -q "api listening on .* (pid 1," "$work/daemon-1.log"
check "it runs on the bundled runtime" [ "$(readlink "/proc/$daemon_ns_pid/exe")" = "$root/opt/sandbox-sshd/runtime/bin/java" ]
check "with the trained class-data archive mapped" grep -q '/opt/sandbox-sshd/sandbox-sshd.jar\..*\.jsa' "/proc/$daemon_ns_pid/maps"
token=$(cat "$root/var/lib/sandbox-sshd/api-token" 2>/dev/null)
check "API token in the state dir inside the image" [ ${#token} -ge 40 ]
check "API refuses a call without the token (401)" \
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$api/api/v1/ssh")" = 401 ]
r=$(call GET /api/v1/ssh)
expect "GET /api/v1/ssh: disabled at first" '[ "$(tail -1 <<< "$r")" = 200 ] && [ "$(field enabled <<< "$r")" = false ]'

expect "/etc/hosts: the daemon added its one line for tl-sbx, every other line as it was" \
  '[ "$(cat "$root/etc/hosts")" = "$( [ -n "$hosts_before" ] && printf "%s\n" "$hosts_before"; printf "127.0.1.1\ttl-sbx\t# sandbox-sshd --set-hostname")" ]'
# what a user meets (image/check-image.sh, which image/docker-build.sh runs against a container too)
TL_USER_SUDO=$sudo_mode "$repo/image/check-image.sh" "$api" "$token" 127.0.0.1 > "$work/check-image.out" 2>&1
sed -e '/^[0-9]* passed, [0-9]* failed$/d' -e 's/^/check-image: /' "$work/check-image.out"
passed=$((passed + $(grep -c '^ok   - ' "$work/check-image.out")))
failed=$((failed + $(grep -c '^FAIL - ' "$work/check-image.out")))
grep -q '^[0-9]* passed, 0 failed$' "$work/check-image.out" || fail "image/check-image.sh: $(tail -1 "$work/check-image.out")"

r=$(call POST /api/v1/ssh/enable "{\"proxy_pubkey\": \"$(cat "$cdir/key.pub")\"}")
fingerprint=$(field host_key_fingerprint <<< "$r")
expect "enable through the API: 200, enabled, a fingerprint" \
  '[ "$(tail -1 <<< "$r")" = 200 ] && [ "$(field enabled <<< "$r")" = true ] && [ -n "$fingerprint" ]'
r=$(call GET /api/v1/ssh)
ssh_port=$(field listen <<< "$r"); ssh_port=${ssh_port##*:}
ssh-keyscan -p "$ssh_port" -t ed25519 127.0.0.1 > "$cdir/known_hosts" 2>/dev/null
check "the host key ssh sees is the API's $fingerprint" \
  [ "$(ssh-keygen -l -E sha256 -f "$cdir/known_hosts" | awk '{print $2}')" = "$fingerprint" ]

opts=(-F /dev/null -i "$cdir/key" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes
      -o UserKnownHostsFile="$cdir/known_hosts" -o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR
      -o ConnectTimeout=20)
on() { ssh "${opts[@]}" -p "$ssh_port" tl-user@127.0.0.1 "$@"; }

r=$(on 'hostname; id -un; id -nG; echo "$HOME"; pwd; cat /proc/1/comm' 2>&1)
expect "ssh login: hostname tl-sbx, user tl-user in sudo, home, PID 1 is the daemon ($(tr '\n' ' ' <<< "$r"))" \
  '[ "$(sed -n 1p <<< "$r")" = tl-sbx ] && [ "$(sed -n 2p <<< "$r")" = tl-user ] \
  && grep -qw sudo <<< "$(sed -n 3p <<< "$r")" && [ "$(sed -n 4p <<< "$r")" = /home/tl-user ] \
  && [ "$(sed -n 5p <<< "$r")" = /home/tl-user ] && [ "$(sed -n 6p <<< "$r")" = java ]'
check "the machine's hostname is untouched" [ "$(hostname)" = "$machine_hostname" ]

head -c 8388608 /dev/urandom > "$cdir/up.bin"
sum=$(sha256sum < "$cdir/up.bin" | cut -d' ' -f1)
printf 'put %s up.bin\nget up.bin %s\n' "$cdir/up.bin" "$cdir/sftp-down.bin" > "$cdir/batch"
sftp "${opts[@]}" -P "$ssh_port" -b "$cdir/batch" tl-user@127.0.0.1 > "$cdir/sftp.out" 2>&1
expect "sftp put and get 8 MiB: same sha256 here, in the image and back" \
  '[ "$(on "sha256sum < up.bin" | cut -d" " -f1)" = "$sum" ] && [ "$(sha256sum < "$cdir/sftp-down.bin" | cut -d" " -f1)" = "$sum" ]'
printf 'put %s "dätä-ü €.txt"\nls -1\n' "$cdir/batch" > "$cdir/batch-utf8"
sftp "${opts[@]}" -P "$ssh_port" -b "$cdir/batch-utf8" tl-user@127.0.0.1 > "$cdir/sftp-utf8.out" 2>&1
check "sftp put to a UTF-8 file name, dätä-ü €.txt (the image's LANG)" [ -f "$root/home/tl-user/dätä-ü €.txt" ] \
  || sed 's/^/     /' "$cdir/sftp-utf8.out"
check "the uploaded file belongs to tl-user" [ "$(chroot "$root" stat -c %U /home/tl-user/up.bin)" = tl-user ]
scp "${opts[@]}" -P "$ssh_port" "$cdir/up.bin" tl-user@127.0.0.1:scp.bin > /dev/null 2>&1
scp "${opts[@]}" -P "$ssh_port" tl-user@127.0.0.1:scp.bin "$cdir/scp-down.bin" > /dev/null 2>&1
scp -O "${opts[@]}" -P "$ssh_port" tl-user@127.0.0.1:scp.bin "$cdir/scp-O-down.bin" > /dev/null 2>&1
expect "scp (SFTP mode) up and down, scp -O down: same sha256" \
  '[ "$(on "sha256sum < scp.bin" | cut -d" " -f1)" = "$sum" ] && [ "$(sha256sum < "$cdir/scp-down.bin" | cut -d" " -f1)" = "$sum" ] \
  && [ "$(sha256sum < "$cdir/scp-O-down.bin" | cut -d" " -f1)" = "$sum" ]'
mkdir -p "$cdir/tree/sub" && cp "$cdir/up.bin" "$cdir/tree/sub/a.bin" && echo hello > "$cdir/tree/b.txt"
rsync -a -e "ssh ${opts[*]} -p $ssh_port" "$cdir/tree/" tl-user@127.0.0.1:tree/ > "$cdir/rsync.out" 2>&1
check "rsync -e ssh (the image's rsync)" test "$(on 'sha256sum < tree/sub/a.bin; cat tree/b.txt' | cut -d' ' -f1)" = "$sum
hello"

# -L to the daemon's own API: a random local port, another if it is taken (ExitOnForwardFailure)
forward_ok=
for attempt in 1 2 3 4 5; do
  lport=$((20000 + RANDOM % 40000))
  ssh "${opts[@]}" -o ExitOnForwardFailure=yes -N -L "$lport:$api" -p "$ssh_port" tl-user@127.0.0.1 &
  fwd=$!
  pids+=("$fwd")
  n=0
  while kill -0 "$fwd" 2>/dev/null && [ $n -lt 100 ]; do
    if [ "$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$lport/api/v1/ssh" | field enabled)" = true ]; then
      forward_ok=1; break
    fi
    sleep 0.1; n=$((n + 1))
  done
  stop_pid "$fwd"
  [ -n "$forward_ok" ] && break
done
check "ssh -L 127.0.0.1:$lport -> $api: the API answers through the tunnel" [ -n "$forward_ok" ]

r=$(call POST /api/v1/pty '{"command": "/bin/bash", "args": ["-l"], "rows": 24, "cols": 80}')
pty=$(field session_id <<< "$r")
expect "POST /api/v1/pty: a session" '[ "$(tail -1 <<< "$r")" = 200 ] && [ -n "$pty" ]'
r=$(call GET "/api/v1/pty/$pty")
pty_pid=$(field pid <<< "$r")
expect "the PTY session is listed and running, as tl-user on a terminal of the image's devpts" \
  '[ "$(field running <<< "$r")" = true ] && [ "$(call GET /api/v1/pty | grep -c "$pty")" -ge 1 ] \
  && [ "$(on "ps -o user=,tty= -p $pty_pid" | awk "{print \$1, \$2}")" = "tl-user pts/0" ]'
r=$(call DELETE "/api/v1/pty/$pty")
pty_gone() {
  local n=0 s
  while [ $n -lt 50 ]; do
    s=$(call GET "/api/v1/pty/$pty")
    [ "$(tail -1 <<< "$s")" = 404 ] || [ "$(field running <<< "$s")" = false ] && return 0
    sleep 0.1; n=$((n + 1))
  done
  return 1
}
expect "DELETE /api/v1/pty/{id} ends it" '[ "$(tail -1 <<< "$r")" -lt 300 ] && pty_gone'

# Orphans: both sleeps end up children of PID 1 (the daemon), which must reap them.
in_ns() { nsenter --target "$daemon_ns_pid" --pid --mount --root "$@"; }
on '(sleep 1 &); nohup sh -c "sleep 1" > /dev/null 2>&1 &'
sleeps=$(in_ns ps -eo pid=,ppid=,args= | awk '$3 == "sleep" && $2 == 1' | wc -l)
zombies=
for i in $(seq 1 100); do # until the sleeps have ended (after 1 s) and nothing is left unreaped, at most 10 s
  sleep 0.1
  table=$(in_ns ps -eo stat=,pid=,ppid=,args=)
  zombies=$(awk '$1 ~ /^Z/' <<< "$table")
  [ -z "$zombies" ] && ! awk '$4 == "sleep" || $4 == "sh"' <<< "$table" | grep -q . && break
done
if [ -z "$zombies" ]; then
  pass "orphans reaped: the sleeps ended and no zombie is left in the namespace ($sleeps orphaned sleeps seen)"
  [ "${IMAGE_TEST_ALLOW_ZOMBIES:-}" = 1 ] && log "     (IMAGE_TEST_ALLOW_ZOMBIES=1 is no longer needed)"
elif [ "${IMAGE_TEST_ALLOW_ZOMBIES:-}" = 1 ]; then
  log "known failing until the PID 1 reaper lands - zombies 10 s after (not counted: IMAGE_TEST_ALLOW_ZOMBIES=1): $(tr -s ' \n' ' ' <<< "$zombies")"
else
  fail "orphans reaped: zombies 10 s after: $(tr -s ' \n' ' ' <<< "$zombies")"
fi

stopped_within() { # SIGTERM to the daemon; it and its namespace are gone within $1 s
  local n=0
  kill -TERM "$daemon_ns_pid"
  while kill -0 "$daemon_unshare" 2>/dev/null && [ $n -lt $(($1 * 10)) ]; do sleep 0.1; n=$((n + 1)); done
  ! kill -0 "$daemon_unshare" 2>/dev/null
}
check "SIGTERM: the daemon exits (and its namespace with it) within 15 s" stopped_within 15

start_daemon "$work/daemon-2.log" || die "the daemon did not start a second time (log above)"
r=$(call GET /api/v1/ssh)
expect "restarted: enabled again, same host key $(field host_key_fingerprint <<< "$r")" \
  '[ "$(field enabled <<< "$r")" = true ] && [ "$(field host_key_fingerprint <<< "$r")" = "$fingerprint" ]'
ssh_port=$(field listen <<< "$r"); ssh_port=${ssh_port##*:}
sed -i "s/^\[127.0.0.1\]:[0-9]*/[127.0.0.1]:$ssh_port/" "$cdir/known_hosts"
check "ssh login after the restart, host key checked strictly" [ "$(on 'cat up.bin | sha256sum' | cut -d' ' -f1)" = "$sum" ]
check "SIGTERM again: exits within 15 s" stopped_within 15

finish
