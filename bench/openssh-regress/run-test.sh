#!/bin/bash
# Runs OpenSSH 9.2p1 regress scripts against sandbox-sshd. As root:
#   ./run-test.sh [-r] [-t SECONDS] NAME...     (NAME = regress/NAME.sh, e.g. connect exit-status multiplex)
#   -a  "adapted": TEST_SSH_SSH=ssh-filtered.sh, so "ssh -Q kex|cipher|mac|key-plain" (the scripts' algorithm
#       loops, and the key types test-exec.sh generates) list only what sandbox-sshd offers; scripts from
#       regress-adapted/ (dhgex.sh: its two hard-coded 3des-cbc / chacha20 checks commented out; login-timeout.sh:
#       the harness netcat instead of telnet, which this machine lacks).
#   -b  baseline: the same run with OpenSSH's own sshd (/usr/sbin/sshd 9.2p1, run as tl-user) as TEST_SSH_SSHD,
#       to tell this environment's failures from the daemon's.
#   -r  "routed": scripts from regress-routed/ (only scp-ssh-wrapper.sh differs) and TEST_SSH_SFTPSERVER =
#       sftp-server-via-daemon.sh, so scp/sftp tests that normally run the server side locally go to the daemon.
# The harness runs as tl-user (USER=tl-user, whoami); sandbox-sshd runs as root serving tl-user, started by the
# broker (broker.sh) on the harness's request (sshd-wrapper.sh = TEST_SSH_SSHD). Results in results/NAME.{out,rc}
# and results/NAME/ (harness logs, daemon logs, ignored sshd_config options).
set -u
R=${REGRESS_DIR:-/work/regress}  # the working directory of the harness (see README.txt)
BUILD=$R/openssh-portable
OBJ=$BUILD/regress
RES=$R/results
routed=0 adapted=0 baseline=0 tmo=900
while [ $# -gt 0 ]; do
  case "$1" in -b) baseline=1 ;; -r) routed=1 ;; -a) adapted=1 ;; -t) tmo=$2; shift ;; *) break ;; esac; shift
done
mkdir -p "$RES"
"$R/broker.sh" start >/dev/null

free_port() {
  local p
  while :; do
    p=$((42000 + RANDOM % 900))
    ss -ltnH | awk '{print $4}' | grep -Eq ":($p|$((p+1))|$((p+2))|$((p+3))|$((p+4)))\$" || { echo $p; return; }
  done
}

for name in "$@"; do
  src=$BUILD/regress sftpserver=/usr/lib/openssh/sftp-server tag=$name
  ssh=/usr/bin/ssh
  if [ $routed = 1 ]; then src=$R/regress-routed sftpserver=$R/sftp-server-via-daemon.sh tag=$name.routed; fi
  sshd=$R/sshd-wrapper.sh
  if [ $baseline = 1 ]; then sshd=/usr/sbin/sshd tag=$tag.openssh; fi
  if [ $adapted = 1 ]; then ssh=$R/ssh-filtered.sh tag=$tag.adapted; [ $routed = 1 ] || src=$R/regress-adapted; fi
  [ -f "$src/$name.sh" ] || { echo "no such test: $name"; continue; }
  port=$(free_port)
  runid=sbx$$.$RANDOM
  rm -rf "$RES/$tag" "$OBJ/.sbx"; mkdir -p "$RES/$tag"
  chown -R tl-user:tl-user "$OBJ"
  start=$(date +%s)
  touch "$R/run/.start.$tag"
  (cd "$OBJ" && setsid setpriv --reuid=tl-user --regid=tl-user --init-groups \
    env -i HOME=/home/tl-user USER=tl-user LOGNAME=tl-user SHELL=/bin/sh LANG=C.UTF-8 \
      PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
      SBX_RUN_ID=$runid SBX_OBJ=$OBJ BUILDDIR=$BUILD OBJ=$OBJ \
      TEST_SHELL=sh TEST_SSH_PORT=$port \
      TEST_SSH_SSH=$ssh TEST_SSH_SSHD=$sshd \
      TEST_SSH_SSHAGENT=/usr/bin/ssh-agent TEST_SSH_SSHADD=/usr/bin/ssh-add \
      TEST_SSH_SSHKEYGEN=/usr/bin/ssh-keygen TEST_SSH_SSHKEYSCAN=/usr/bin/ssh-keyscan \
      TEST_SSH_SFTP=/usr/bin/sftp TEST_SSH_SCP=/usr/bin/scp TEST_SSH_SFTPSERVER=$sftpserver \
      TEST_SSH_PKCS11_HELPER=/usr/lib/openssh/ssh-pkcs11-helper TEST_SSH_SK_HELPER=/usr/lib/openssh/ssh-sk-helper \
      TEST_SSH_MODULI_FILE=$BUILD/moduli TEST_SSH_PLINK=plink TEST_SSH_PUTTYGEN=puttygen TEST_SSH_CONCH=conch \
      TEST_SSH_IPV6=${TEST_SSH_IPV6:-yes} TEST_SSH_UTF8=yes TEST_SSH_TRACE=${TEST_SSH_TRACE:-no} \
      ${SBX_EXTRA_ENV:-} \
      timeout -k 10 "$tmo" sh "$src/test-exec.sh" "$OBJ" "$src/$name.sh") > "$RES/$tag.out" 2>&1
  rc=$?
  end=$(date +%s)
  # end what this run started: its daemons (broker registry), then every process carrying its SBX_RUN_ID
  find "$R/run" -maxdepth 1 -name 'state.*' -newer "$R/run/.start.$tag" > "$RES/$tag/daemon-dirs"
  rm -f "$R/run/.start.$tag"
  "$R/broker-handler.sh" <<< stopall >/dev/null
  for p in $(grep -l "SBX_RUN_ID=$runid" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3); do
    [ "$p" = $$ ] && continue
    echo "leftover: $p $(tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null)" >> "$RES/$tag/leftovers"
    kill "$p" 2>/dev/null
  done
  # keep the logs
  for f in regress.log ssh.log sshd.log failed-regress.log failed-ssh.log failed-sshd.log; do
    [ -f "$OBJ/$f" ] && cp "$OBJ/$f" "$RES/$tag/"
  done
  [ -f "$OBJ/.sbx/ignored.log" ] && sort -u "$OBJ/.sbx/ignored.log" > "$RES/$tag/ignored-options"
  for st in $(sort -u "$RES/$tag/daemon-dirs" 2>/dev/null); do
    [ -d "$st" ] && cp "$st/daemon.log" "$RES/$tag/daemon.$(basename "$st").log" && rm -rf "$st"
  done
  rm -f "$OBJ"/failed-*.log
  echo "$rc $((end - start))" > "$RES/$tag.rc"
  printf '%-24s rc=%-3s %4ss  %s\n' "$tag" "$rc" "$((end - start))" "$(tail -1 "$RES/$tag.out")"
done
