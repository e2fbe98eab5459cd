#!/usr/bin/env bash
# Start or stop a private, disposable SSH host in front of a private Docker engine, so that
# `DOCKER_HOST=ssh://…` can be tested for real on one machine. Its own sshd (Debian's
# openssh-server) on a loopback port, with its own config, host key, client key and
# known_hosts, all in DIR. The remote login's `docker` reaches the engine through sshd's
# `SetEnv DOCKER_HOST=unix://ENGINE_SOCKET`. It never touches ~/.ssh, /etc/ssh or the machine's
# own sshd. Needs root (sshd), and logs in as the user who runs it.
#
#   scripts/test-sshd.sh start DIR ENGINE_SOCKET
#       prints DOCKER_HOST=ssh://USER@127.0.0.1:PORT and PATH_PREFIX=DIR/bin when ready: put
#       DIR/bin first on PATH so that `ssh`, as the docker CLI runs it, uses DIR/ssh_config
#       (the key, known_hosts, BatchMode).
#   scripts/test-sshd.sh stop DIR
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start DIR ENGINE_SOCKET | stop DIR" >&2
  exit 2
fi

descendants() {
  local child
  for child in $(pgrep -P "$1" 2>/dev/null || true); do
    echo "$child"
    descendants "$child"
  done
}

stop() {
  if [ -f "$dir/sshd.pid" ]; then
    pid=$(cat "$dir/sshd.pid")
    # The listener and the sessions it forked (with what they run), nothing else.
    pids=("$pid" $(descendants "$pid"))
    kill "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    rm -f "$dir/sshd.pid"
  fi
}

case "$cmd" in
  start)
    socket=${3:-}
    if [ -z "$socket" ]; then
      echo "usage: $0 start DIR ENGINE_SOCKET" >&2
      exit 2
    fi
    if [ ! -x /usr/sbin/sshd ]; then
      echo "test-sshd: /usr/sbin/sshd not found; install it with: apt-get install -y --no-install-recommends openssh-server" >&2
      exit 1
    fi
    mkdir -p "$dir/bin"
    dir=$(cd "$dir" && pwd)
    chmod 700 "$dir"
    echo "docker-janitor private test sshd" >"$dir/MARKER"
    user=$(id -un)
    # sshd's privilege separation directory (the package's service creates it at boot).
    mkdir -p /run/sshd
    chmod 755 /run/sshd
    [ -f "$dir/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C dj-test-host -f "$dir/host_ed25519"
    [ -f "$dir/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C dj-test-client -f "$dir/client_ed25519"
    cp "$dir/client_ed25519.pub" "$dir/authorized_keys"

    addr=127.0.0.1
    started=
    for _ in $(seq 1 20); do
      port=$(( RANDOM % 20000 + 20000 ))
      cat >"$dir/sshd_config" <<EOF
ListenAddress $addr:$port
HostKey $dir/host_ed25519
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
AllowUsers $user
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
SetEnv DOCKER_HOST=unix://$socket
EOF
      if /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"; then
        started=1
        break
      fi
    done
    if [ -z "$started" ]; then
      echo "test-sshd: sshd did not start; log follows" >&2
      tail -n 20 "$dir/sshd.log" >&2 || true
      stop
      exit 1
    fi
    echo "[$addr]:$port $(cut -d' ' -f1-2 "$dir/host_ed25519.pub")" >"$dir/known_hosts"
    cat >"$dir/ssh_config" <<EOF
Host *
  IdentityFile $dir/client_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $dir/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  BatchMode yes
  LogLevel ERROR
EOF
    cat >"$dir/bin/ssh" <<EOF
#!/bin/sh
exec /usr/bin/ssh -F $dir/ssh_config "\$@"
EOF
    chmod 755 "$dir/bin/ssh"
    for _ in $(seq 1 50); do
      if "$dir/bin/ssh" -p "$port" "$user@$addr" true 2>/dev/null; then
        echo "DOCKER_HOST=ssh://$user@$addr:$port"
        echo "PATH_PREFIX=$dir/bin"
        exit 0
      fi
      sleep 0.1
    done
    echo "test-sshd: cannot log in to $user@$addr:$port; log follows" >&2
    tail -n 20 "$dir/sshd.log" >&2 || true
    stop
    exit 1
    ;;
  stop)
    stop
    ;;
  *)
    echo "usage: $0 start DIR ENGINE_SOCKET | stop DIR" >&2
    exit 2
    ;;
esac
