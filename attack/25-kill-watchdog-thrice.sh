#!/bin/bash
# SIGKILL the session's watchdog three times during the run, then SIGKILL the runner.
# Expected: two restarts, then none; what the tests created is still removed by someone.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
hold_session '{"images":"off"}'
for round in 1 2 3; do
  DOCKER_HOST=unix://$sock docker run -d --label a3=thrice "$BB" sleep 300 >/dev/null 2>&1 && echo "round $round: create through the socket ok" || echo "round $round: create through the socket FAILED"
  wd=$(pgrep -f "watchdog/main.cjs.*--session-dir $state" | head -1)
  echo "round $round: killing watchdog $wd"; kill -9 "$wd"; sleep 1.5
done
DOCKER_HOST=unix://$sock docker run -d --label a3=thrice "$BB" sleep 300 2>&1 | tail -1
echo "watchdogs now: $(pgrep -f "watchdog/main.cjs.*--session-dir $state" | tr '\n' ' ')"
echo "SIGKILL the runner"; kill -9 $holder; wait $holder 2>/dev/null
sleep 3
echo "containers left 3 s after the runner's SIGKILL: $(docker ps -aq --filter label=a3=thrice | wc -l)"
echo "session record left: $(ls $state/sessions)"
echo "--- a new run's background sweep"
DOCKER_JANITOR_STATE_DIR=$state node "$REPO/dist/cli/bin.js" sweep 2>&1 | tail -5
echo "containers left after sweep: $(docker ps -aq --filter label=a3=thrice | wc -l)"
docker rm -f $(docker ps -aq --filter label=a3=thrice) >/dev/null 2>&1
rm -rf "$state" "$out"
