#!/bin/bash
# ssh:// engine: the ssh of a connection that ignores SIGTERM (a wrapper script, a ProxyCommand
# that traps it) outlives the session when a stream is open at teardown.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
export FAKE_SSH_ENGINE=$DOCKER_HOST FAKE_SSH_MODE=${FAKE_SSH_MODE:-trap-term} FAKE_SSH_LOG=/tmp/attack3-relay-ssh.log
rm -f "$FAKE_SSH_LOG"
state=$(mktemp -d /tmp/a3-state.XXXX)
out=$(mktemp)
PATH="$ATTACK_DIR/relaybin:$PATH" DOCKER_HOST=ssh://me@fakehost DOCKER_JANITOR_STATE_DIR=$state \
  node "$ATTACK_DIR/hold-session.mjs" '{"images":"off"}' > "$out" &
holder=$!
for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.2; done
head -1 "$out"
sock=$(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).socket')
echo "socket: $sock"
DOCKER_HOST=unix://$sock docker run -d --name a3-ssh-c1 "$BB" sleep 300 && echo "container created through the socket"
DOCKER_HOST=unix://$sock docker events --filter event=nothing-ever > /dev/null 2>&1 &
ev=$!
sleep 2
echo "ssh processes before teardown:"; pgrep -af 'system dial-stdio' | grep "$FAKE_SSH_ENGINE" | grep -v bash
kill -USR2 $holder; wait $holder
tail -1 "$out"
sleep 6
echo "6 s after teardown, dial-stdio processes still running:"
pgrep -af 'system dial-stdio' | grep "$FAKE_SSH_ENGINE" || echo "(none)"
echo "watchdog still running?"; pgrep -af "watchdog/main.cjs" | grep "$state" || echo "(no)"
kill $ev 2>/dev/null
echo "containers left:"; docker ps -a --format '{{.Names}} {{.Labels}}'
# cleanup of what this script started

for p in $(pgrep -f "docker -H $FAKE_SSH_ENGINE system dial-stdio"); do kill -9 "$p"; done
rm -rf "$state" "$out"
