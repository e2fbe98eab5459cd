#!/bin/bash
# Which descriptors of the watchdog do the ssh processes it starts (one per connection) inherit?
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
export FAKE_SSH_ENGINE=$DOCKER_HOST FAKE_SSH_MODE=relay FAKE_SSH_LOG=/tmp/attack3-relay-ssh.log
state=$(mktemp -d /tmp/a3-state.XXXX); out=$(mktemp)
PATH="$ATTACK_DIR/relaybin:$PATH" DOCKER_HOST=ssh://me@fakehost DOCKER_JANITOR_STATE_DIR=$state \
  node "$ATTACK_DIR/hold-session.mjs" '{"images":"off"}' > "$out" &
holder=$!
for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.2; done
sock=$(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).socket')
DOCKER_HOST=unix://$sock docker events --filter event=nothing-ever >/dev/null 2>&1 &
ev=$!
sleep 2
wd=$(pgrep -f "watchdog/main.cjs.*--session-dir $state" | head -1)
echo "watchdog $wd fds:"; ls -l /proc/$wd/fd | awk 'NR>1{print "  "$9" -> "$11}'
for p in $(pgrep -f "docker -H $FAKE_SSH_ENGINE system dial-stdio"); do
  echo "ssh stand-in (dial-stdio) $p fds:"; ls -l /proc/$p/fd | awk 'NR>1{print "  "$9" -> "$11}'
done
kill $ev; kill -USR2 $holder; wait $holder
rm -rf "$state" "$out"
