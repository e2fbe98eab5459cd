#!/usr/bin/env bash
# Start or stop a private, disposable Docker engine in a directory of its own.
# It never touches the machine's own Docker: its own data root, exec root, socket and pid file,
# no bridge, no iptables. Needs root and Debian's docker.io (dockerd) on PATH.
#
#   scripts/test-engine.sh start DIR   # prints DOCKER_HOST=unix://DIR/docker.sock when ready
#   scripts/test-engine.sh stop DIR
#
# DJ_TEST_ENGINE_ADDRESS_POOL=10.213.0.0/16: its networks get /24s from that range, not from
# Docker's default pools, which the bridges of other engines on a shared machine can use up
# ("could not find an available, non-overlapping IPv4 address pool").
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi

case "$cmd" in
  start)
    if ! command -v dockerd >/dev/null 2>&1; then
      echo "test-engine: dockerd not found; install it with: apt-get install -y --no-install-recommends docker.io busybox-static" >&2
      exit 1
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # A marker that says: this engine was started by docker-janitor's own test tooling.
    echo "docker-janitor private test engine" > "$dir/MARKER"
    pool=()
    if [ -n "${DJ_TEST_ENGINE_ADDRESS_POOL:-}" ]; then pool=(--default-address-pool "base=$DJ_TEST_ENGINE_ADDRESS_POOL,size=24"); fi
    nohup dockerd \
      --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" \
      --host "unix://$dir/docker.sock" \
      --bridge=none --iptables=false --ip-masq=false "${pool[@]}" \
      >"$dir/dockerd.log" 2>&1 </dev/null &
    for _ in $(seq 1 150); do
      if DOCKER_HOST="unix://$dir/docker.sock" DOCKER_CONTEXT= docker version >/dev/null 2>&1; then
        echo "DOCKER_HOST=unix://$dir/docker.sock"
        exit 0
      fi
      sleep 0.2
    done
    echo "test-engine: dockerd did not become ready in 30 s; log follows" >&2
    tail -n 30 "$dir/dockerd.log" >&2 || true
    exit 1
    ;;
  stop)
    if [ -d "$dir" ]; then dir=$(cd "$dir" && pwd); fi
    if [ -f "$dir/docker.pid" ]; then
      pid=$(cat "$dir/docker.pid")
      kill "$pid" 2>/dev/null || true
      # dockerd gives each running container its stop timeout (10 s by default) before it exits.
      for _ in $(seq 1 200); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -9 "$pid" 2>/dev/null || true
    fi
    # A dockerd killed mid-shutdown can leave mounts below DIR (its data root), and then
    # removing DIR fails with EBUSY: unmount what is left, deepest first.
    awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r mnt; do
      umount -l "$mnt" 2>/dev/null || true
    done
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
