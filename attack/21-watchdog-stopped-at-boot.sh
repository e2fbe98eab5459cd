#!/bin/bash
# The watchdog is frozen (SIGSTOP) while its Node is still starting, before it claimed the
# socket; a test's docker run waits in the socket's backlog; teardown runs; then the watchdog
# is thawed. Expected: teardown claims the socket and does not wait; after the thaw the queued
# client is refused and nothing is created.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
state=$(mktemp -d /tmp/a3-state.XXXX); out=$(mktemp)
DOCKER_JANITOR_STATE_DIR=$state node "$ATTACK_DIR/hold-session.mjs" '{"images":"off"}' > "$out" &
holder=$!
wd=""
for _ in $(seq 400); do wd=$(pgrep -f "watchdog/main.cjs.*--session-dir $state" | head -1); [ -n "$wd" ] && break; sleep 0.005; done
kill -STOP "$wd"
for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.05; done
sock=$(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).socket')
echo "watchdog $wd frozen; its log so far: $(cat $state/sessions/*/watchdog.log 2>/dev/null | cut -c1-120)"
DOCKER_HOST=unix://$sock timeout 30 docker run -d --label a3=boot "$BB" sleep 300 > /tmp/a3-boot.out 2>&1 &
client=$!
sleep 1
t0=$(date +%s%N)
kill -USR2 $holder; wait $holder
echo "teardown took $(( ($(date +%s%N)-t0)/1000000 )) ms: $(tail -1 "$out" | cut -c1-200)"
kill -CONT "$wd"
wait $client; echo "the queued client: $(head -c 200 /tmp/a3-boot.out | tr '\n' ' ')"
sleep 2
echo "left: containers $(docker ps -aq --filter label=a3=boot | wc -l), watchdog alive $(kill -0 $wd 2>/dev/null && echo yes || echo no), records $(ls $state/sessions | wc -l)"
docker ps -aq --filter label=a3=boot | xargs -r docker rm -f >/dev/null
rm -rf "$state" "$out" /tmp/a3-boot.out
