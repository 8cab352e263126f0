#!/bin/sh
# The final image's own setup, run as root inside it: by image/Dockerfile on debian:bookworm-slim and by
# image/test-image.sh in its debootstrap'ed bookworm, so both get the same packages and the same user.
# No OpenSSH, no sftp-server, no Java: the daemon brings its own runtime (/opt/sandbox-sshd) and serves SFTP itself.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# rsync and tmux for users, procps/hostname/util-linux for their shells, sudo for tl-user. The daemon itself needs
# none of them (it drops privileges itself: no setpriv).
apt-get install -y -qq --no-install-recommends rsync tmux procps hostname util-linux sudo > /dev/null
apt-get clean
rm -rf /var/lib/apt/lists/*
id tl-user > /dev/null 2>&1 || useradd -m -s /bin/bash -G sudo tl-user
