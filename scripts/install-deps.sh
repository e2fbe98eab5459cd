#!/usr/bin/env bash
# Install what docker-janitor's demo and tests need on Debian, as root: Debian's docker.io
# (dockerd + CLI), a static busybox (the base image is built FROM scratch with it, since
# nothing can be pulled) and docker-registry (a local registry, to make real digest-only
# images in the tests), and Debian's python3-docker and docker-compose (1.29): real clients the
# session socket tests drive (run with /usr/bin/python3, not a pyenv python3 that may come
# first on PATH), and openssh-server: the ssh:// tests run a private sshd of their own on a
# loopback port (scripts/test-sshd.sh); the package's own service is not started. Skips what
# is already there.
set -euo pipefail
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v docker >/dev/null 2>&1 || need+=(docker.io)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
[ -x /usr/bin/docker-registry ] || need+=(docker-registry)
dpkg -s python3-docker >/dev/null 2>&1 || need+=(python3-docker)
dpkg -s docker-compose >/dev/null 2>&1 || need+=(docker-compose)
sshd=()
[ -x /usr/sbin/sshd ] || sshd=(openssh-server)
if [ $(( ${#need[@]} + ${#sshd[@]} )) -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: need root to install: ${need[*]} ${sshd[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  [ ${#need[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
if [ ${#sshd[@]} -gt 0 ]; then
  # Its own service is not started (it would listen on port 22): a policy-rc.d that says no,
  # for this install only, unless the machine has one already.
  policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${sshd[@]}"
fi
