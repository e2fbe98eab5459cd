#!/usr/bin/env bash
# Install what docker-janitor's demo and tests need on Debian, as root: Debian's docker.io
# (dockerd + CLI), a static busybox (the base image is built FROM scratch with it, since
# nothing can be pulled) and docker-registry (a local registry, to make real digest-only
# images in the tests), and Debian's python3-docker and docker-compose (1.29): real clients the
# session socket tests drive (run with /usr/bin/python3, not a pyenv python3 that may come
# first on PATH). Skips what is already there.
set -euo pipefail
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v docker >/dev/null 2>&1 || need+=(docker.io)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
[ -x /usr/bin/docker-registry ] || need+=(docker-registry)
dpkg -s python3-docker >/dev/null 2>&1 || need+=(python3-docker)
dpkg -s docker-compose >/dev/null 2>&1 || need+=(docker-compose)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: need root to install: ${need[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
