#!/bin/bash
# Teardown is waiting for a frozen watchdog's answer to "close the socket" when the runner gets
# SIGINT, then SIGINT again (to the process alone, and to its group). Expected: the run ends
# with 130 without waiting long, and once the watchdog is thawed nothing is left.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
for target in pid group; do
  state=$(mktemp -d /tmp/a3-state.XXXX); out=$(mktemp)
  HOLD_SIGNALS=1 DOCKER_JANITOR_STATE_DIR=$state setsid node "$ATTACK_DIR/hold-session.mjs" '{"images":"off"}' > "$out" &
  holder=$!
  for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.2; done
  sock=$(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).socket')
  DOCKER_HOST=unix://$sock docker run -d --label a3=sig "$BB" sleep 300 >/dev/null
  wd=$(pgrep -f "watchdog/main.cjs.*--session-dir $state" | head -1)
  kill -STOP "$wd"
  t0=$(date +%s%N)
  kill -USR2 $holder; sleep 0.5
  if [ $target = pid ]; then kill -INT $holder; sleep 0.3; kill -INT $holder; else kill -INT -- -$holder; sleep 0.3; kill -INT -- -$holder; fi
  wait $holder; rc=$?
  echo "== SIGINT x2 to the $target during teardown's close: exit $rc after $(( ($(date +%s%N)-t0)/1000000 )) ms; output: $(tail -n +2 "$out" | tr '\n' ' ' | cut -c1-200)"
  echo "   containers while the watchdog is frozen: $(docker ps -aq --filter label=a3=sig | wc -l)"
  kill -CONT "$wd"
  for _ in $(seq 40); do sleep 0.5; [ "$(docker ps -aq --filter label=a3=sig | wc -l)" = 0 ] && ! kill -0 $wd 2>/dev/null && break; done
  echo "   after the thaw: containers $(docker ps -aq --filter label=a3=sig | wc -l), watchdog alive $(kill -0 $wd 2>/dev/null && echo yes || echo no), records $(ls $state/sessions | wc -l)"
  docker ps -aq --filter label=a3=sig | xargs -r docker rm -f >/dev/null
  rm -rf "$state" "$out"
done
