#!/bin/sh
# Starts (as root) the broker the tl-user side (sshd-wrapper.sh) asks to start/stop root sandbox-sshd daemons.
# Usage: broker.sh start|stop|status. The socket is owned by tl-user, mode 0600 (only tl-user and root connect).
R=${REGRESS_DIR:-/work/regress}  # the working directory of the harness (see README.txt)
RUN=$R/run
mkdir -p "$RUN"; chmod 755 "$RUN"
case "$1" in
start)
  if [ -f "$RUN/broker.pid" ] && kill -0 "$(cat "$RUN/broker.pid")" 2>/dev/null; then echo "broker running"; exit 0; fi
  setsid socat -t 120 UNIX-LISTEN:"$RUN/broker.sock",fork,unlink-early,user=tl-user,mode=600 EXEC:"$R/broker-handler.sh" \
      </dev/null >>"$RUN/broker.log" 2>&1 &
  echo $! > "$RUN/broker.pid"
  for _ in 1 2 3 4 5 6 7 8 9 10; do [ -S "$RUN/broker.sock" ] && break; sleep 0.2; done
  echo "broker pid $(cat "$RUN/broker.pid")" ;;
stop)
  "$R/broker-handler.sh" <<EOF
stopall
EOF
  [ -f "$RUN/broker.pid" ] && kill "$(cat "$RUN/broker.pid")" 2>/dev/null
  rm -f "$RUN/broker.pid" "$RUN/broker.sock" ;;
status)
  [ -f "$RUN/broker.pid" ] && kill -0 "$(cat "$RUN/broker.pid")" 2>/dev/null && echo running || echo stopped
  cat "$RUN/daemons" 2>/dev/null ;;
*) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
