#!/usr/bin/env bash
# attack5/115: SIGKILL of the runner and of the watchdog that hosts the socket at the same
# moment, with a `docker logs -f` stream open through the socket and a create pipelined behind
# nothing. What is left, does the next run's setup sweep it, and does a foreign container stay?
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
hold_session '{}'
wd=$(held watchdogPids)
docker run -d --name a5w-foreign $BB sleep 600 >/dev/null
c=$(DOCKER_HOST=$T docker run -d $BB sh -c 'while true; do echo tick; sleep 0.2; done')
DOCKER_HOST=$T docker network create a5w-net >/dev/null
(DOCKER_HOST=$T timeout 20 docker logs -f "$c" >/dev/null 2>&1; echo "logs -f ended: $?" > /tmp/a5/115-logs) &
sleep 0.5
echo "watchdog pid(s): $wd"
kill -9 "$holder" $wd
sleep 1
echo "logs client: $(cat /tmp/a5/115-logs 2>/dev/null || echo still running)"
echo "socket file: $(ls -la "$sock" 2>&1 | cut -c1-60)"
echo "docker ps through the dead socket: $(DOCKER_HOST=$T timeout 5 docker ps -q 2>&1 | head -1 | cut -c1-100)"
echo "left: containers $(docker ps -aq --filter label=docker-janitor.session=$sid | wc -l), networks $(docker network ls -q --filter label=docker-janitor.session=$sid | wc -l)"
# the next run's setup, same state dir (it sweeps dead sessions by default)
next=$(DOCKER_JANITOR_STATE_DIR=$state node -e '
import("'"$REPO"'/dist/index.js").then(async ({openSession})=>{ const s=await openSession({summary:false}); await new Promise(r=>setTimeout(r,3000)); const r=await s.teardown(); console.log("next run done, warnings "+JSON.stringify(r.warnings)); })' 2>&1 | tail -2)
echo "$next"
for t in $(seq 1 20); do [ "$(docker ps -aq --filter label=docker-janitor.session=$sid | wc -l)" = 0 ] && { echo "gone after the next run (+${t}s)"; break; }; sleep 1; done
echo "left: containers $(docker ps -aq --filter label=docker-janitor.session=$sid | wc -l), networks $(docker network ls -q --filter label=docker-janitor.session=$sid | wc -l); sessions: $(ls "$state/sessions" 2>/dev/null | tr '\n' ' ')"
echo "background-sweep.log: $(tail -2 "$state/background-sweep.log" 2>/dev/null)"
echo "foreign: $(docker inspect -f '{{.State.Status}}' a5w-foreign)"
docker rm -f a5w-foreign >/dev/null
rm -rf "$state" "$out"
