#!/bin/sh
# TEST_SSH_SFTPSERVER for the routed runs: "sftp -D" (and "scp -s -D") talk to this as if it were a local
# sftp-server; it is sandbox-sshd's sftp subsystem, reached through the harness's proxy config ($SBX_OBJ/ssh_proxy).
# sftp-server flags (-e -l -P -p -R -d -u ...) have no sandbox-sshd equivalent: logged, not applied.
[ $# -gt 0 ] && echo "sftp-server-via-daemon: IGNORED sftp-server flags: $*" >> "$SBX_OBJ/sftp-via-daemon.args.log"
exec /usr/bin/ssh -F "$SBX_OBJ/ssh_proxy" -E "$SBX_OBJ/sftp-via-daemon-ssh.log" -x -oClearAllForwardings=yes -s somehost sftp
