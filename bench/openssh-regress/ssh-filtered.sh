#!/bin/sh
# TEST_SSH_SSH for the "adapted" runs (run-test.sh -a): /usr/bin/ssh, except that "ssh [-Elog] -Q kex|cipher|
# cipher-auth|mac|key-plain" lists only what sandbox-sshd offers (algs/*, from its KEXINIT; host key ed25519,
# user keys ed25519/rsa), so the scripts' loops over every algorithm the client knows cover the daemon's only.
# Nothing else changes: every connection is /usr/bin/ssh.
q=
case "$1" in -E*) [ $# -eq 3 ] && [ "$2" = -Q ] && q=$3 ;; -Q) [ $# -eq 2 ] && q=$2 ;; esac
if [ -n "$q" ] && [ -f /work/regress/algs/"$q" ]; then
	/usr/bin/ssh -Q "$q" | grep -xF -f /work/regress/algs/"$q"
	exit $?
fi
exec /usr/bin/ssh "$@"
