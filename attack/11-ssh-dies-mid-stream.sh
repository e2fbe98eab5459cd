#!/bin/bash
# ssh:// engine: each ssh (stand-in) dies by SIGKILL 2 s after it started, in the middle of a
# `docker logs -f` stream. Expected: the client's stream ends with an error, the socket and the
# watchdog go on, teardown removes the container.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
export FAKE_SSH_ENGINE=$DOCKER_HOST FAKE_SSH_LOG=/tmp/attack3-relay-ssh.log
state=$(mktemp -d /tmp/a3-state.XXXX); out=$(mktemp)
PATH="$ATTACK_DIR/relaybin:$PATH" FAKE_SSH_MODE=die-after-2 DOCKER_HOST=ssh://me@fakehost DOCKER_JANITOR_STATE_DIR=$state \
  node "$ATTACK_DIR/hold-session.mjs" '{"images":"off"}' > "$out" &
holder=$!
for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.2; done
sock=$(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).socket')
c=$(DOCKER_HOST=unix://$sock docker run -d "$BB" sh -c 'while true; do echo tick; sleep 0.2; done')
echo "container through the socket: ${c:0:12}"
t0=$(date +%s%N)
DOCKER_HOST=unix://$sock timeout 20 docker logs -f "$c" > /tmp/a3-ticks.out 2> /tmp/a3-ticks.err; rc=$?
echo "docker logs -f: exit $rc after $(( ($(date +%s%N)-t0)/1000000 )) ms, $(wc -l < /tmp/a3-ticks.out) lines; stderr: $(head -c 200 /tmp/a3-ticks.err)"
echo "a new request through the socket: $(DOCKER_HOST=unix://$sock docker ps -q | wc -l) container(s) listed"
kill -USR2 $holder; wait $holder
echo "teardown: $(tail -1 "$out" | cut -c1-200)"
echo "left: $(docker ps -aq | wc -l) containers; dial-stdio left: $(pgrep -fc "docker -H $FAKE_SSH_ENGINE system dial-stdio")"
rm -rf "$state" "$out" /tmp/a3-ticks.*
