#!/bin/sh
# The final image's own setup, run as root inside it: by image/Dockerfile on debian:bookworm-slim and by
# image/test-image.sh in its debootstrap'ed bookworm, so both get the same packages and the same user.
# No OpenSSH, no sftp-server, no Java: the daemon brings its own runtime (/opt/sandbox-sshd) and serves SFTP itself.
#
# TL_USER_SUDO=nopasswd (the default) gives tl-user passwordless sudo, as sandboxes of this kind give their user: its
# password is locked, so with only Debian's "%sudo ALL=(ALL:ALL) ALL" no sudo could ever succeed. TL_USER_SUDO=none
# leaves the drop-in out (tl-user stays in group sudo, which then grants nothing). The daemon never uses sudo.
set -eu
export DEBIAN_FRONTEND=noninteractive
sudo_mode=${TL_USER_SUDO:-nopasswd}
case $sudo_mode in
  nopasswd|none) ;;
  *) echo "install-image.sh: TL_USER_SUDO=$sudo_mode: expected nopasswd or none" >&2; exit 2 ;;
esac
apt-get update -qq
# rsync and tmux for users, procps/hostname/util-linux for their shells, sudo for tl-user. The daemon itself needs
# none of them (it drops privileges itself: no setpriv).
apt-get install -y -qq --no-install-recommends rsync tmux procps hostname util-linux sudo > /dev/null
apt-get clean
rm -rf /var/lib/apt/lists/*
id tl-user > /dev/null 2>&1 || useradd -m -s /bin/bash -G sudo tl-user
drop_in=/etc/sudoers.d/tl-user
if [ "$sudo_mode" = nopasswd ]; then
  printf '# tl-user may run anything as anyone without a password (image/install-image.sh, TL_USER_SUDO=nopasswd)\ntl-user ALL=(ALL:ALL) NOPASSWD: ALL\n' > "$drop_in.tmp"
  chmod 0440 "$drop_in.tmp"
  visudo -c -q -f "$drop_in.tmp" || { rm -f "$drop_in.tmp"; echo "install-image.sh: visudo refused the drop-in" >&2; exit 1; }
  mv "$drop_in.tmp" "$drop_in"
else
  rm -f "$drop_in"
fi
# the whole policy, drop-ins included, as sudo will read it
visudo -c -q
