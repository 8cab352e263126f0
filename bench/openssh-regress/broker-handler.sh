#!/bin/bash
# Root side of the harness: starts and stops sandbox-sshd daemons (as root, serving tl-user) for the
# sshd-wrapper.sh that the OpenSSH regress harness runs as tl-user. Run once per request by socat
# (broker.sh: UNIX-LISTEN, fork, EXEC), or directly by root (run-test.sh) for "stopall".
# Requests (one line on stdin):
#   start HOSTKEY PUBKEY HOST:PORT LOG [FLAG...]  -> "ok PID PORT STATEDIR" | "err TEXT"
#   stop PID                                      -> "ok" | "err TEXT"
#   stopall                                       -> stops every daemon started since the last stopall
set -u
R=${REGRESS_DIR:-/work/regress}  # the working directory of the harness (see README.txt)
RUN=$R/run
REG=$RUN/daemons           # one line per started daemon: PID STATEDIR
BACKEND_USER=${SBX_BACKEND_USER:-tl-user}
mkdir -p "$RUN"; chmod 755 "$RUN"
touch "$REG"

reply() { printf '%s\n' "$*"; }

under_work() { # a path the harness owns (its $OBJ), no .. tricks
  case "$1" in *..*) return 1 ;; esac
  case "$1" in "$R"/openssh-portable/*|"$R"/obj*/*) return 0 ;; esac
  return 1
}

stop_pid() {
  local pid=$1
  grep -q "^$pid " "$REG" || { reply "err not ours: $pid"; return 1; }
  if [ -d /proc/$pid ]; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do [ -d /proc/$pid ] || break; sleep 0.1; done
    [ -d /proc/$pid ] && kill -KILL "$pid" 2>/dev/null
  fi
  local state
  state=$(awk -v p="$pid" '$1==p{print $2}' "$REG")
  ( flock 9; grep -v "^$pid " "$REG" > "$REG.tmp"; cat "$REG.tmp" > "$REG"; rm -f "$REG.tmp" ) 9>"$RUN/reg.lock"
  [ -n "$state" ] && echo "$(date +%T) stopped pid $pid" >> "$state/daemon.log"
  reply ok
}

read -r cmd a1 a2 a3 a4 rest || exit 0
case "$cmd" in
start)
  hostkey=$a1 pubkey=$a2 listen=$a3 log=$a4
  for p in "$hostkey" "$pubkey" "$log"; do under_work "$p" || { reply "err path not allowed: $p"; exit 0; }; done
  case "$listen" in 127.0.0.1:[0-9]*|localhost:[0-9]*|0.0.0.0:[0-9]*) ;; *) reply "err bad listen: $listen"; exit 0 ;; esac
  flags=()
  for f in $rest; do
    case "$f" in
      --max-startups=[0-9:]*|--max-auth-tries=[0-9]*|--max-sessions=[0-9]*|--max-channels=[0-9]*) flags+=("$f") ;;
      --no-forwarding|--no-agent-forwarding|--gateway-ports|--stream-local-bind-unlink) flags+=("$f") ;;
      --session-env=image|--session-env=clean) flags+=("$f") ;;
      *) reply "err flag not allowed: $f"; exit 0 ;;
    esac
  done
  state=$(mktemp -d "$RUN/state.XXXXXX") || { reply "err mktemp"; exit 0; }
  chmod 700 "$state"
  install -m 600 "$hostkey" "$state/ssh_host_ed25519_key" || { reply "err cannot copy host key"; exit 0; }
  install -m 644 "$pubkey" "$state/enable.pub" || { reply "err cannot copy key"; exit 0; }
  {
    echo "$(date +%T) start listen=$listen user=$BACKEND_USER flags=${flags[*]:-} hostkey=$hostkey key=$(cut -c1-60 "$pubkey")"
  } > "$state/daemon.log"
  # The daemon gets the environment of a container image (PATH, LANG), nothing of this shell.
  setsid env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
      SANDBOX_SSHD_JAR=$R/sandbox-sshd.jar \
      "$R/src/bin/sandbox-sshd" --ssh-listen "$listen" --api-listen 127.0.0.1:0 --state-dir "$state" \
      --enable-key "$state/enable.pub" --backend-user "$BACKEND_USER" "${flags[@]}" \
      </dev/null >>"$state/daemon.log" 2>&1 &
  pid=$!
  ( flock 9; echo "$pid $state" >> "$REG" ) 9>"$RUN/reg.lock"
  [ -f "$log" ] && echo "$(date +%T) daemon pid $pid, log $state/daemon.log" >> "$log"
  for _ in $(seq 1 600); do
    line=$(grep -m1 'ssh listening on' "$state/daemon.log" 2>/dev/null)
    if [ -n "$line" ]; then
      port=$(printf '%s\n' "$line" | sed -n 's/.*ssh listening on [^ ]*:\([0-9][0-9]*\) .*/\1/p')
      reply "ok $pid $port $state"; exit 0
    fi
    if [ ! -d /proc/$pid ]; then reply "err daemon exited: $(tail -3 "$state/daemon.log" | tr '\n' ' ')"; exit 0; fi
    sleep 0.1
  done
  reply "err daemon did not start in 60 s"; exit 0 ;;
stop)
  stop_pid "$a1" ;;
stopall)
  for pid in $(awk '{print $1}' "$REG"); do stop_pid "$pid" >/dev/null; done
  reply ok ;;
*)
  reply "err unknown request" ;;
esac
