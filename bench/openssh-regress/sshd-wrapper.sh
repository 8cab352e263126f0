#!/bin/bash
# TEST_SSH_SSHD for OpenSSH's regress harness: poses as sshd, runs sandbox-sshd instead.
#
#   sshd -f CONFIG [-o K=V]... [-p PORT] [-h HOSTKEY] [-E LOG] [-D|-d|-e|-q|-4|-6]  daemon: a root sandbox-sshd on
#        the config's ListenAddress:Port; PidFile gets the pid of a tl-user supervisor whose SIGTERM stops the daemon
#        and removes the PidFile (the harness kills PidFile's pid and waits for the file to go).
#   sshd -i -f CONFIG ...   inetd mode (ProxyCommand): a daemon for this host key + client key + flags on a free
#        port (started once per test and reused), stdin/stdout relayed to it by socat.
#   sshd -t -f CONFIG       checks that the config names an ed25519 HostKey and an ed25519/rsa authorized key.
#   sshd -T / -G            unsupported (exit 1): sandbox-sshd has no sshd_config to dump.
#
# Mapped from sshd_config / -o to sandbox-sshd flags: HostKey (the ed25519 one) -> state dir host key,
# AuthorizedKeysFile (%u %h %%) -> --enable-key with the first plain ssh-ed25519/ssh-rsa line, Port/ListenAddress
# -> --ssh-listen, MaxStartups, MaxAuthTries, MaxSessions, DisableForwarding yes -> --no-forwarding,
# AllowAgentForwarding no -> --no-agent-forwarding, GatewayPorts clientspecified -> --gateway-ports,
# StreamLocalBindUnlink yes. Every other option is logged as IGNORED to the -E log and sbx-ignored.log.
set -u
R=${REGRESS_DIR:-/work/regress}  # the working directory of the harness (see README.txt)
SOCK=$R/run/broker.sock
WUSER=$(id -un)

config= inetd=0 testmode=0 log= foreground=0
cli_opts=() cli_port= cli_hostkeys=()
while [ $# -gt 0 ]; do
  case "$1" in
    -f) config=$2; shift ;;
    -f*) config=${1#-f} ;;
    -o) cli_opts+=("$2"); shift ;;
    -o*) cli_opts+=("${1#-o}") ;;
    -p) cli_port=$2; shift ;;
    -h) cli_hostkeys+=("$2"); shift ;;
    -E) log=$2; shift ;;
    -E*) log=${1#-E} ;;
    -i) inetd=1 ;;
    -t) testmode=1 ;;
    -T|-G) echo "sshd-wrapper: $1 (dump configuration) is not supported by sandbox-sshd" >&2; exit 1 ;;
    -D|-d|-dd|-ddd) foreground=1 ;;
    -e|-q|-4|-6|-r) ;;
    -c|-k|-C) echo "sshd-wrapper: $1 not supported" >&2; exit 1 ;;
    *) echo "sshd-wrapper: unknown argument $1" >&2; exit 1 ;;
  esac
  shift
done
[ -n "$config" ] || { echo "sshd-wrapper: no -f CONFIG" >&2; exit 1; }
OBJ=$(cd "$(dirname "$config")" && pwd)
SBX=$OBJ/.sbx
mkdir -p "$SBX"
[ -n "$log" ] || log=$SBX/sshd-without-E.log   # sshd logs nowhere without -E; we keep ours
[ -e "$log" ] || : >> "$log"

logit() { echo "sshd-wrapper[$$]: $*" >> "$log"; }

# --- read the configuration: -o first (first value wins, as in sshd), then the file; Match blocks are ignored
declare -A val
hostkeys=("${cli_hostkeys[@]}")
ignored=()
in_match=0
base_re='^(strictmodes|port|addressfamily|listenaddress|pidfile|authorizedkeysfile|loglevel|acceptenv|subsystem|hostkey|modulifile|securitykeyprovider|useprivilegeseparation)$'
handle() { # key value
  local k=${1,,} v=$2
  case "$k" in
    hostkey) hostkeys+=("$v"); return ;;
    port|listenaddress|pidfile|authorizedkeysfile|maxstartups|maxauthtries|maxsessions|disableforwarding|\
    allowagentforwarding|gatewayports|streamlocalbindunlink)
      [ -n "${val[$k]:-}" ] || val[$k]=$v ;;
  esac
  case "$k" in
    maxstartups|maxauthtries|maxsessions) ;;
    disableforwarding) [ "${v,,}" = yes ] || [ "${v,,}" = no ] || ignored+=("$k $v") ;;
    allowagentforwarding) ;;
    gatewayports) [ "${v,,}" = yes ] && ignored+=("GatewayPorts yes (mapped to --gateway-ports = clientspecified)") ;;
    streamlocalbindunlink) ;;
    *) [[ "$k" =~ $base_re ]] || ignored+=("$1 $v") ;;
  esac
}
for o in "${cli_opts[@]}"; do
  k=${o%%[= ]*}; v=${o#"$k"}; v=${v#[= ]}; handle "$k" "$v"
done
while IFS= read -r line || [ -n "$line" ]; do
  line=${line%%#*}
  line=$(printf '%s' "$line" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
  [ -n "$line" ] || continue
  k=$(printf '%s' "$line" | sed 's/[[:space:]=].*//')
  v=$(printf '%s' "$line" | sed 's/^[^[:space:]=]*[[:space:]=]*//; s/^=[[:space:]]*//')
  if [ "${k,,}" = match ]; then in_match=1; ignored+=("Match $v (block ignored)"); continue; fi
  if [ $in_match = 1 ]; then ignored+=("(in Match) $k $v"); continue; fi
  handle "$k" "$v"
done < "$config"
[ -n "$cli_port" ] && val[port]=$cli_port

# host key: the first ed25519 one
hostkey=
for k in "${hostkeys[@]}"; do
  if [ -r "$k" ] && ssh-keygen -l -f "$k" 2>/dev/null | grep -q '(ED25519)$'; then hostkey=$k; break; fi
done

# client key: first plain ssh-ed25519 / ssh-rsa line of AuthorizedKeysFile (%u user, %h home, %% %)
akf=${val[authorizedkeysfile]:-.ssh/authorized_keys}
akf=${akf%% *}
home=$(getent passwd "$WUSER" | cut -d: -f6)
akf=${akf//%%/$'\x01'}; akf=${akf//%u/$WUSER}; akf=${akf//%h/$home}; akf=${akf//$'\x01'/%}
case "$akf" in /*) ;; *) akf=$home/$akf ;; esac
keyline=
if [ -r "$akf" ]; then
  keyline=$(awk '$1=="ssh-ed25519"||$1=="ssh-rsa"{print $1" "$2; exit}' "$akf")
  if [ -z "$keyline" ]; then
    # a line with options: the key without them (sandbox-sshd has no authorized_keys options)
    keyline=$(awk '{for(i=1;i<NF;i++) if($i=="ssh-ed25519"||$i=="ssh-rsa"){print $i" "$(i+1); exit}}' "$akf")
    [ -n "$keyline" ] && ignored+=("authorized_keys options on the chosen key line")
  fi
fi

if [ $testmode = 1 ]; then
  [ -n "$hostkey" ] || { echo "sshd-wrapper: no readable ed25519 HostKey in $config" >&2; exit 1; }
  [ -n "$keyline" ] || { echo "sshd-wrapper: no ssh-ed25519/ssh-rsa key in $akf" >&2; exit 1; }
  exit 0
fi
[ -n "$hostkey" ] || { logit "no readable ed25519 HostKey"; echo "sshd-wrapper: no ed25519 HostKey" >&2; exit 1; }
[ -n "$keyline" ] || { logit "no ssh-ed25519/ssh-rsa key in $akf"; echo "sshd-wrapper: no usable key in $akf" >&2; exit 1; }

flags=()
ms=${val[maxstartups]:-}
if [ -n "$ms" ]; then case "$ms" in *:*) flags+=("--max-startups=$ms") ;; *) flags+=("--max-startups=$ms:100:$ms") ;; esac; fi
[ -n "${val[maxauthtries]:-}" ] && flags+=("--max-auth-tries=${val[maxauthtries]}")
[ -n "${val[maxsessions]:-}" ] && flags+=("--max-sessions=${val[maxsessions]}")
case "${val[disableforwarding]:-no}" in [Yy][Ee][Ss]) flags+=(--no-forwarding) ;; esac
case "${val[allowagentforwarding]:-yes}" in [Nn][Oo]) flags+=(--no-agent-forwarding) ;; esac
case "${val[gatewayports]:-no}" in [Yy][Ee][Ss]|[Cc]lientspecified) flags+=(--gateway-ports) ;; esac
case "${val[streamlocalbindunlink]:-no}" in [Yy][Ee][Ss]) flags+=(--stream-local-bind-unlink) ;; esac

for i in "${ignored[@]}"; do logit "IGNORED (no sandbox-sshd equivalent): $i"; echo "$(basename "$config"): $i" >> "$SBX/ignored.log"; done

broker() { # request line -> reply line
  printf '%s\n' "$*" | socat -t 70 - UNIX-CONNECT:"$SOCK"
}

umask 022
printf '%s\n' "$keyline" > "$SBX/key.$$.pub"

if [ $inetd = 1 ]; then
  id=$(printf '%s\n' "$(cat "$hostkey")" "$keyline" "${flags[*]:-}" | sha256sum | cut -c1-16)
  exec 9>"$SBX/proxy.lock"
  flock 9
  port=
  if [ -f "$SBX/proxy.$id" ]; then
    read -r dpid port < "$SBX/proxy.$id"
    [ -d "/proc/$dpid" ] || port=
  fi
  if [ -z "$port" ]; then
    cp "$SBX/key.$$.pub" "$SBX/key.$id.pub"
    r=$(broker start "$hostkey" "$SBX/key.$id.pub" 127.0.0.1:0 "$log" "${flags[@]}")
    case "$r" in
      ok*) set -- $r; dpid=$2 port=$3; echo "$dpid $port" > "$SBX/proxy.$id"; echo "$dpid" >> "$SBX/proxy.pids"
           logit "inetd mode: started proxy daemon pid $dpid port $port state $4 flags ${flags[*]:-}" ;;
      *) logit "broker: $r"; echo "sshd-wrapper: $r" >&2; rm -f "$SBX/key.$$.pub"; exit 255 ;;
    esac
  fi
  touch "$SBX/proxy.$id"
  # keep at most 4 proxy daemons per test: stop the least recently used ones
  ls -t "$SBX"/proxy.[0-9a-f]* 2>/dev/null | tail -n +5 | while read -r f; do
    read -r opid _ < "$f"; rm -f "$f"; broker stop "$opid" >/dev/null
  done
  flock -u 9
  exec 9>&-
  rm -f "$SBX/key.$$.pub"
  logit "inetd mode: relaying to 127.0.0.1:$port"
  exec socat -t 5 STDIO TCP:127.0.0.1:"$port"
fi

# daemon mode
pidfile=${val[pidfile]:-/var/run/sshd.pid}
listen=${val[listenaddress]:-0.0.0.0}
case "$listen" in *:*) lhost=${listen%:*}; lport=${listen##*:} ;; *) lhost=$listen; lport=${val[port]:-22} ;; esac
r=$(broker start "$hostkey" "$SBX/key.$$.pub" "$lhost:$lport" "$log" "${flags[@]}")
case "$r" in
  ok*) set -- $r; dpid=$2 ;;
  *) logit "broker: $r"; echo "sshd-wrapper: $r" >&2; rm -f "$SBX/key.$$.pub"; exit 1 ;;
esac
rm -f "$SBX/key.$$.pub"
logit "daemon mode: sandbox-sshd pid $dpid on $lhost:$lport flags ${flags[*]:-} hostkey $hostkey key ${keyline:0:40}..."
supervise() {
  trap 'broker stop '"$dpid"' >/dev/null; rm -f "'"$pidfile"'"; exit 0' TERM INT
  trap 'logit "SIGHUP: sandbox-sshd has no configuration to reload (ignored)"' HUP
  echo $BASHPID > "$pidfile"
  while [ -d "/proc/$dpid" ]; do sleep 1 & wait $!; done
  logit "sandbox-sshd pid $dpid exited"
  rm -f "$pidfile"
}
if [ $foreground = 1 ]; then
  supervise
else
  supervise </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 50); do [ -f "$pidfile" ] && break; sleep 0.1; done
fi
exit 0
