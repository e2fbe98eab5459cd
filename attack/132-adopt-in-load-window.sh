#!/bin/bash
# adopt.all: containers created straight to the engine (not through the socket, so unlabelled)
# during the run are the run's. The watchdog follows `docker events` only once its engine
# modules load (after it serves), from the record's start time. A container made straight to the
# engine right after setup, and the runner SIGKILLed N ms after setup, maybe before the watchdog
# follows the events. Expected: the watchdog adopts it anyway (events since the start) and
# removes it; a container made before setup (foreign) stays. CREATE_AT=ms: the create that long
# after setup, the kill DELAYS after the create (is it the start window, or any create shortly before a crash?).
: "${ATTACK_ENG:=/tmp/a6-eng}" "${ATTACK_POOL:=10.226.0.0/16}"; export ATTACK_ENG ATTACK_POOL
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
a6_clean; docker rm -f a6-foreign >/dev/null 2>&1
docker create --name a6-foreign --label a6=foreign "$BB" sleep 300 >/dev/null
for n in ${DELAYS:-10 40 80 150 400}; do
  # The create straight to the engine: the holder's A6_CREATE at once after setup, aimed at the engine's own socket.
  A6_DIST=${A6_DIST:-$REPO/dist} A6_CREATE=1 A6_CREATE_SOCKET=$ENG/docker.sock A6_KILL_AFTER_MS=$((n + ${CREATE_AT:-0})) A6_CREATE_AFTER_MS=${CREATE_AT:-} a6_hold '{"images":"off","adopt":{"all":true}}'
  wait $holder 2>/dev/null
  sleep 7
  echo "create at +${CREATE_AT:-0} ms, kill $n ms later: made straight to the engine, left: $(a6_made); foreign: $(docker ps -aq --filter name=a6-foreign | wc -l); log: $(sed 's/^[^ ]* //' "$sdir/watchdog.log" 2>/dev/null | tr '\n' '|' | cut -c1-160)"
  a6_clean; rm -rf "$state" "$out" "$out.err"
done
docker rm -f a6-foreign >/dev/null
