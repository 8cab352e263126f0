#!/usr/bin/env bash
# image/Dockerfile built by a real Docker engine and tested as a container, on a machine with no image registry: the
# bases the Dockerfile names (debian:bookworm for the build stage, debian:bookworm-slim for the image) are imported
# from the root filesystem image/test-image.sh builds (debootstrap --variant=minbase bookworm, cached in
# target/image-cache/) unless the engine already has them; then docker build, docker run, and image/check-image.sh
# against the container (as test-image.sh runs it against its chroot).
#
# Run from anywhere: image/docker-build.sh. Where no engine answers (no daemon, no permission), it says so with the
# engine's own words and exits 0. Needs debootstrap only when the base is neither in the engine nor cached.
# Env: TL_USER_SUDO (nopasswd or none: the build argument, and what check-image.sh expects), IMAGE_TEST_MIRROR,
# DOCKER_IMAGE (the tag built, default sandbox-sshd:test). The container is removed at the end; the image is kept.
# Ends with "N passed, N failed"; exit status 1 on any failure.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=$repo/target/image-cache
tag=${DOCKER_IMAGE:-sandbox-sshd:test}
sudo_mode=${TL_USER_SUDO:-nopasswd}
log() { printf '%s\n' "$*"; }

command -v docker > /dev/null || { log "docker-build: no docker client on this machine; nothing built"; exit 0; }
if ! refusal=$(docker info --format '{{.ServerVersion}}' 2>&1 > /dev/null); then
  log "docker-build: no Docker engine to build with; the engine said: $(tr '\n' ' ' <<< "$refusal")"
  log "docker-build: nothing built (image/test-image.sh tests the same root filesystem without an engine)"
  exit 0
fi
log "docker-build: engine $(docker info --format '{{.ServerVersion}}')"

# --- the bases: imported from debootstrap's root filesystem where the engine lacks them ------------------------------
mirror=${IMAGE_TEST_MIRROR:-$(sed -n 's/^URIs:[[:space:]]*\(http[^[:space:]]*\/debian\)\/*[[:space:]]*$/\1/p' \
  /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)}
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
boot_tar=$cache/debootstrap-bookworm-minbase-$(echo "$mirror" | sha256sum | cut -c1-12).tar # as test-image.sh names it
for base in debian:bookworm debian:bookworm-slim; do
  docker image inspect "$base" > /dev/null 2>&1 && continue
  if [ ! -f "$boot_tar" ]; then
    [ "$(id -u)" = 0 ] || { log "docker-build: $base is missing and debootstrap needs root"; exit 1; }
    command -v debootstrap > /dev/null || { log "docker-build: $base is missing and there is no debootstrap"; exit 1; }
    mkdir -p "$cache"
    rm -rf "$cache/base"
    log "docker-build: debootstrap --variant=minbase bookworm from $mirror"
    unshare --mount --fork -- debootstrap --variant=minbase bookworm "$cache/base" "$mirror" > "$cache/debootstrap.log" 2>&1 \
      || { tail -20 "$cache/debootstrap.log"; exit 1; }
    rm -f "$cache/base/etc/apt/sources.list" "$cache/base"/var/cache/apt/archives/*.deb
    printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: %s\n\nTypes: deb\nURIs: %s\nSuites: bookworm-security\nComponents: main\nSigned-By: %s\n' \
      "$mirror" /usr/share/keyrings/debian-archive-keyring.gpg "${mirror%/debian}/debian-security" \
      /usr/share/keyrings/debian-archive-keyring.gpg > "$cache/base/etc/apt/sources.list.d/debian.sources"
    tar --numeric-owner -C "$cache/base" -cf "$boot_tar.part" . && mv "$boot_tar.part" "$boot_tar" || exit 1
    rm -rf "$cache/base"
  fi
  log "docker-build: importing $boot_tar as $base"
  docker import -c 'CMD ["bash"]' -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$boot_tar" "$base" > /dev/null || { log "docker-build: docker import failed"; exit 1; }
done

# --- build, run, check ---------------------------------------------------------------------------------------------
t=$(date +%s)
docker build -f "$repo/image/Dockerfile" --build-arg TL_USER_SUDO="$sudo_mode" -t "$tag" "$repo" \
  || { log "docker-build: docker build failed"; log "0 passed, 1 failed"; exit 1; }
log "docker-build: built $tag in $(( $(date +%s) - t )) s"
name=sandbox-sshd-check-$$
# the API on the container's address (the image keeps it on loopback; the platform's proxy reaches it there)
container=$(docker run -d --name "$name" "$tag" --api-listen 0.0.0.0:7422) \
  || { log "docker-build: docker run failed"; log "0 passed, 1 failed"; exit 1; }
trap 'docker rm -f "$name" > /dev/null 2>&1' EXIT
ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$container")
n=0
until curl -s -o /dev/null "http://$ip:7422/api/v1/ssh"; do
  n=$((n + 1))
  if [ $n -gt 600 ] || [ "$(docker inspect -f '{{.State.Running}}' "$container")" != true ]; then
    docker logs "$container"; log "docker-build: the container's API never answered"; log "0 passed, 1 failed"; exit 1
  fi
  sleep 0.1
done
token=$(docker exec "$container" cat /var/lib/sandbox-sshd/api-token)
docker logs "$container" 2>&1 | sed 's/^/container: /'
TL_USER_SUDO=$sudo_mode "$repo/image/check-image.sh" "$ip:7422" "$token" "$ip"
