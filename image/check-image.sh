#!/usr/bin/env bash
# What a user of the image meets, checked from outside with the real clients against a running image: the chroot of
# image/test-image.sh or a container of image/docker-build.sh. It enables SSH with a key of its own through the API,
# then, as tl-user over ssh: the host name tl-sbx and that it resolves (getent, hostname -f), sudo without a password
# (sudo -n true, sudo -n id -u is 0, no "unable to resolve host"), sftp/scp/rsync by sha256. Needs curl and the
# OpenSSH client; changes nothing outside its temporary directory but the image's enabled key.
#
#   image/check-image.sh API_HOST:PORT TOKEN SSH_HOST
#
# TL_USER_SUDO=none expects the image built without the sudo drop-in (sudo -n must then fail). Prints one line per
# check ("ok   - ..." or "FAIL - ..."), then "N passed, N failed"; exit status 1 on any failure.
set -uo pipefail
[ $# -eq 3 ] || { echo "usage: $0 API_HOST:PORT TOKEN SSH_HOST" >&2; exit 2; }
api=$1 token=$2 host=$3
sudo_mode=${TL_USER_SUDO:-nopasswd}
passed=0 failed=0
pass() { passed=$((passed + 1)); printf 'ok   - %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf 'FAIL - %s\n' "$*"; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
expect() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
finish() { printf '%s passed, %s failed\n' "$passed" "$failed"; [ "$failed" -eq 0 ]; exit; }
call() {
  local body=()
  [ $# -ge 3 ] && body=(-H 'Content-Type: application/json' -d "$3")
  curl -sS -X "$1" -H "Authorization: Bearer $token" "${body[@]}" -w '\n%{http_code}' "http://$api$2"
}
field() { sed -n 's/.*"'"$1"'"[[:space:]]*:[[:space:]]*"\{0,1\}\([^",}]*\).*/\1/p' | head -1; }

ssh-keygen -q -t ed25519 -N '' -C check-image -f "$dir/key"
r=$(call POST /api/v1/ssh/enable "{\"proxy_pubkey\": \"$(cat "$dir/key.pub")\"}")
expect "enable through the API: 200, enabled" '[ "$(tail -1 <<< "$r")" = 200 ] && [ "$(field enabled <<< "$r")" = true ]'
fingerprint=$(field host_key_fingerprint <<< "$r")
r=$(call GET /api/v1/ssh)
port=$(field listen <<< "$r"); port=${port##*:}
[ -n "$port" ] || { fail "no SSH port in GET /api/v1/ssh: $r"; finish; }
n=0
until ssh-keyscan -p "$port" -t ed25519 "$host" > "$dir/known_hosts" 2>/dev/null && [ -s "$dir/known_hosts" ]; do
  n=$((n + 1)); [ $n -lt 50 ] || break; sleep 0.1
done
check "the host key ssh sees is the API's $fingerprint" \
  [ "$(ssh-keygen -l -E sha256 -f "$dir/known_hosts" | awk '{print $2}')" = "$fingerprint" ]
opts=(-F /dev/null -i "$dir/key" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes
      -o UserKnownHostsFile="$dir/known_hosts" -o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR
      -o ConnectTimeout=20)
on() { ssh "${opts[@]}" -p "$port" "tl-user@$host" "$@"; }

r=$(on 'hostname; id -un; id -nG; pwd' 2>&1)
expect "ssh login: host tl-sbx, user tl-user in group sudo, in its home ($(tr '\n' ' ' <<< "$r"))" \
  '[ "$(sed -n 1p <<< "$r")" = tl-sbx ] && [ "$(sed -n 2p <<< "$r")" = tl-user ] \
  && grep -qw sudo <<< "$(sed -n 3p <<< "$r")" && [ "$(sed -n 4p <<< "$r")" = /home/tl-user ]'
r=$(on 'getent hosts tl-sbx; hostname -f' 2> "$dir/err")
expect "the host name resolves: getent hosts tl-sbx, hostname -f ($(tr '\n' ' ' <<< "$r")$(tr '\n' ' ' < "$dir/err"))" \
  '[ -n "$(sed -n 1p <<< "$r" | awk "\$2 == \"tl-sbx\"")" ] && [ "$(sed -n 2p <<< "$r")" = tl-sbx ]'
if [ "$sudo_mode" = none ]; then
  r=$(on 'sudo -n true && echo allowed' 2>&1)
  expect "built without the drop-in: sudo -n is refused ($(tr '\n' ' ' <<< "$r"))" '! grep -qx allowed <<< "$r"'
else
  r=$(on 'sudo -n true && echo true-ok; sudo -n id -u' 2> "$dir/err")
  expect "sudo without a password: sudo -n true, sudo -n id -u prints 0 ($(tr '\n' ' ' <<< "$r"))" \
    '[ "$r" = "true-ok
0" ]'
  expect "no \"unable to resolve host\" on sudo's stderr ($(tr '\n' ' ' < "$dir/err"))" \
    '! grep -q "unable to resolve host" "$dir/err"'
fi

head -c 4194304 /dev/urandom > "$dir/up.bin"
sum=$(sha256sum < "$dir/up.bin" | cut -d' ' -f1)
printf 'put %s check-up.bin\nget check-up.bin %s\n' "$dir/up.bin" "$dir/sftp-down.bin" > "$dir/batch"
sftp "${opts[@]}" -P "$port" -b "$dir/batch" "tl-user@$host" > "$dir/sftp.out" 2>&1
expect "sftp put and get 4 MiB: same sha256 here, in the image and back" \
  '[ "$(on "sha256sum < check-up.bin" | cut -d" " -f1)" = "$sum" ] && [ "$(sha256sum < "$dir/sftp-down.bin" | cut -d" " -f1)" = "$sum" ]'
scp "${opts[@]}" -P "$port" "tl-user@$host:check-up.bin" "$dir/scp-down.bin" > /dev/null 2>&1
check "scp down: same sha256" [ "$(sha256sum < "$dir/scp-down.bin" | cut -d' ' -f1)" = "$sum" ]
mkdir -p "$dir/tree" && cp "$dir/up.bin" "$dir/tree/a.bin"
rsync -a -e "ssh ${opts[*]} -p $port" "$dir/tree/" "tl-user@$host:check-tree/" > "$dir/rsync.out" 2>&1
check "rsync -e ssh (the image's rsync)" [ "$(on 'sha256sum < check-tree/a.bin' | cut -d' ' -f1)" = "$sum" ]
on 'rm -rf check-up.bin check-tree'
finish
