#!/bin/bash
# The watchdog is frozen (SIGSTOP) while a test sends a container create through the socket;
# teardown runs while it is frozen; the runner exits; then the watchdog is thawed.
# Expected: teardown warns and keeps the session; after the thaw, nothing is left on the engine.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
hold_session '{"images":"off"}'
DOCKER_HOST=unix://$sock docker ps -q >/dev/null   # the watchdog is serving
wd=$(pgrep -f "watchdog/main.cjs.*--session-dir $state" | head -1)
echo "watchdog pid $wd"; kill -STOP "$wd"
DOCKER_HOST=unix://$sock timeout 60 docker run -d --label a3=frozen "$BB" sleep 300 > /tmp/a3-frozen-run.out 2>&1 &
runner=$!
sleep 1
t0=$(date +%s.%N)
kill -USR2 $holder; wait $holder
echo "teardown result:"; tail -1 "$out"
echo "session dir after teardown:"; ls "$state/sessions/"*/ 2>/dev/null
echo "containers while frozen: $(docker ps -aq | wc -l)"
kill -CONT "$wd"
wait $runner; echo "docker run through the frozen socket: $(cat /tmp/a3-frozen-run.out)"
for i in $(seq 30); do sleep 0.5; kill -0 "$wd" 2>/dev/null || break; done
echo "watchdog alive after thaw+15s? $(kill -0 $wd 2>/dev/null && echo yes || echo no)"
echo "containers left: $(docker ps -a --format '{{.ID}} {{.Labels}}')"
echo "session dirs left: $(ls $state/sessions 2>/dev/null)"
cat "$state"/sessions/*/watchdog.log 2>/dev/null
docker rm -f $(docker ps -aq --filter label=a3=frozen) >/dev/null 2>&1
rm -rf "$state" "$out" /tmp/a3-frozen-run.out
