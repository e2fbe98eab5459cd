#!/bin/bash
# Two runs share a state dir and an engine, and have the same hostname, but not the same PID
# namespace (CI jobs in containers with --network host, which takes the host's hostname, and
# a state dir on a shared volume). Run A is alive in its namespace; run B's sweep (the
# background sweep every run's watchdog starts, or `docker-janitor sweep`) judges A's runner by
# its PID in B's namespace, finds it dead, and removes A's objects while A's tests still run.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
state=$(mktemp -d /tmp/a3-state.XXXX); out=$(mktemp)
# Run A, in a PID namespace of its own (same hostname, same uid, same state dir).
unshare --pid --fork --kill-child --mount-proc env DOCKER_JANITOR_STATE_DIR=$state node "$ATTACK_DIR/hold-session.mjs" '{"images":"off","watchdog":false,"socket":false}' > "$out" &
holder=$!
for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.2; done
id=$(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).id')
echo "run A: session $id, its record says pid $(node -pe "require('$state/sessions/$id/session.json').pid"), hostname $(node -pe "require('$state/sessions/$id/session.json').hostname") (here: $(hostname))"
c=$(docker run -d --label docker-janitor.session=$id "$BB" sleep 300)
echo "run A's test container: ${c:0:12} (running: $(docker inspect -f '{{.State.Running}}' $c))"
echo "--- run B (outside A's PID namespace): docker-janitor sessions / sweep"
DOCKER_JANITOR_STATE_DIR=$state node "$REPO/dist/cli/bin.js" sessions 2>&1 | head -5
DOCKER_JANITOR_STATE_DIR=$state node "$REPO/dist/cli/bin.js" sweep 2>&1 | tail -3
echo "run A still alive: $(kill -0 $holder 2>/dev/null && echo yes || echo no); its container: $(docker inspect -f '{{.State.Status}}' $c 2>&1)"
kill -9 $(pgrep -P $holder) 2>/dev/null; wait $holder 2>/dev/null   # node is pid 1 there: SIGTERM is ignored
docker rm -f $c >/dev/null 2>&1
rm -rf "$state" "$out"
