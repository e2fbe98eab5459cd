#!/usr/bin/env bash
# attack5/112: dockerd SIGKILLed DELAY (default 0.05 s) into teardown, with 6 containers, a
# network and a volume made through the socket and a foreign container on the same engine;
# dockerd started again 2 s later on the same data root. Who cleans what is left, and when?
# The foreign container must survive; the run's objects must go (teardown, the watchdog or a sweep).
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
DELAY=${DELAY:-0.05}
hold_session '{"docker":{"timeoutMs":3000}}'
DOCKER_HOST=$T docker network create a5k-net >/dev/null
DOCKER_HOST=$T docker volume create a5k-vol >/dev/null
for i in 1 2 3 4 5 6; do DOCKER_HOST=$T docker run -d --network a5k-net -v a5k-vol:/v $BB sleep 600 >/dev/null; done
docker run -d --name a5k-foreign --restart=always $BB sleep 600 >/dev/null
kill -USR2 "$holder"; sleep "$DELAY"; kill -9 "$(engine_pid)"
wait "$holder"
echo "teardown: $(tail -1 "$out" | cut -c1-400)"
sleep 2
DJ_TEST_ENGINE_ADDRESS_POOL=${ATTACK_POOL:-10.223.0.0/16} "$REPO/scripts/test-engine.sh" start "$ENG" >/dev/null
echo "after restart: run's containers $(docker ps -aq --filter label=docker-janitor.session=$sid | wc -l), foreign: $(docker inspect -f '{{.State.Status}}' a5k-foreign)"
for t in $(seq 1 30); do
  n=$(docker ps -aq --filter label=docker-janitor.session=$sid | wc -l)
  [ "$n" = 0 ] && { echo "run's containers gone after ${t}s (the watchdog?)"; break; }
  sleep 1
done
echo "left: containers $(docker ps -aq --filter label=docker-janitor.session=$sid | wc -l), networks $(docker network ls -q --filter label=docker-janitor.session=$sid | wc -l), volumes $(docker volume ls -q --filter label=docker-janitor.session=$sid | wc -l); session dir: $(ls "$state/sessions" 2>/dev/null)"
echo "watchdog log: $(cat "$state"/sessions/*/watchdog.log 2>/dev/null | tail -3)"
if [ "$(docker ps -aq --filter label=docker-janitor.session=$sid | wc -l)" != 0 ]; then
  echo "sweep: $(DOCKER_JANITOR_STATE_DIR=$state node "$REPO/dist/cli/bin.js" sweep 2>&1 | tail -2)"
  echo "left after sweep: $(docker ps -aq --filter label=docker-janitor.session=$sid | wc -l)"
fi
echo "foreign: $(docker inspect -f '{{.State.Status}}' a5k-foreign)"
docker rm -f a5k-foreign >/dev/null
rm -rf "$state" "$out"
