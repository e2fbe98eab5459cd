#!/usr/bin/env bash
# attack5/113: dockerd frozen (SIGSTOP) while a `docker run` through the session socket waits for
# its create, then teardown; dockerd thawed THAW s (default 8) after teardown began. How long does
# teardown take, what does it say, and is the container the frozen create makes afterwards
# cleaned (by whom)? A foreign container must stay.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
THAW=${THAW:-8}
hold_session '{"docker":{"timeoutMs":3000}}'
docker run -d --name a5f-foreign $BB sleep 600 >/dev/null
DOCKER_HOST=$T docker run -d $BB sleep 600 >/dev/null
kill -STOP "$(engine_pid)"
(DOCKER_HOST=$T timeout 60 docker run -d --name a5f-late $BB sleep 600 > /tmp/a5/113-client 2>&1; echo "client exit $?" >> /tmp/a5/113-client) &
client=$!
sleep 1
teardown_thawed
wait "$client"; echo "client: $(cat /tmp/a5/113-client | tr '\n' ' ')"
sleep 2
echo "a5f-late: $(docker inspect -f '{{.State.Status}} {{json .Config.Labels}}' a5f-late 2>&1)"
echo "session dir: $(ls "$state/sessions" 2>/dev/null) watchdog alive: $(pgrep -f "watchdog/main.cjs.*$sid" || echo no)"
for t in $(seq 1 20); do [ "$(docker ps -aq --filter label=docker-janitor.session=$sid | wc -l)" = 0 ] && { echo "run's containers gone after ${t}s"; break; }; sleep 1; done
echo "left: $(docker ps -aq --filter label=docker-janitor.session=$sid | wc -l); watchdog log: $(tail -3 "$state"/sessions/*/watchdog.log 2>/dev/null | cut -c1-200)"
echo "sweep: $(DOCKER_JANITOR_STATE_DIR=$state node "$REPO/dist/cli/bin.js" sweep 2>&1 | tail -1)"
echo "foreign: $(docker inspect -f '{{.State.Status}}' a5f-foreign)"
docker rm -f a5f-foreign >/dev/null
rm -rf "$state" "$out"
