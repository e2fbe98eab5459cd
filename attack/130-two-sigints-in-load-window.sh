#!/bin/bash
# Ctrl+C twice to the runner's process group N ms after setup (session.handleSignals(), as the
# Vitest/Jest setups install it), a container create sent through the socket at once: the signal
# cleaner asks the watchdog (maybe still loading its engine modules) to close the socket, the
# second signal ends the wait, the runner exits; then the watchdog sees the owner gone too.
# Expected: no container left, no record left, no process left after 8 s; the logs say who did what.
: "${ATTACK_ENG:=/tmp/a6-eng}" "${ATTACK_POOL:=10.226.0.0/16}"; export ATTACK_ENG ATTACK_POOL
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
a6_clean
for n in ${DELAYS:-0 10 30 60 100 200}; do
  state=$(mktemp -d /tmp/a6-state.XXXX); out=$(mktemp /tmp/a6-out.XXXX)
  # its own process group, as a terminal's foreground job
  setsid bash -c "DOCKER_JANITOR_STATE_DIR=$state HOLD_SIGNALS=1 A6_CREATE=1 exec node $ATTACK_DIR/a6-hold.mjs '{\"images\":\"off\"}' > $out 2>&1" &
  for _ in $(seq 400); do [ -s "$out" ] && break; sleep 0.005; done
  pg=$(pgrep -f "a6-hold.mjs.*images" -n); sleep $(echo "$n/1000" | bc -l)
  kill -INT -- -$pg; sleep 0.01; kill -INT -- -$pg
  for _ in $(seq 100); do kill -0 $pg 2>/dev/null || break; sleep 0.05; done
  sleep 8
  sdir=$(head -1 $out | node -pe 'JSON.parse(require("fs").readFileSync(0)).dir' 2>/dev/null)
  echo "SIGINT x2 at +$n ms: runner alive $(kill -0 $pg 2>/dev/null && echo yes || echo no); create: $(grep -m1 '"create' $out | cut -c1-28); containers left $(a6_made); record $([ -d "$sdir" ] && echo left || echo gone); watchdogs [$(a6_watchdogs)]; cleaners $(pgrep -f "clean-now.js.*$state" | wc -l); log: $(cat $sdir/watchdog.log 2>/dev/null | sed 's/^[^ ]* //' | tr '\n' '|' | cut -c1-200)"
  [ -d "$sdir" ] && tail -3 $out | cut -c1-200
  a6_clean; rm -rf "$state" "$out"
done
