#!/bin/bash
# The package changes on disk between the runner loading it and setup (say `npm ci` in another
# terminal removed node_modules/execa for a moment): the runner has its modules, the watchdog
# loads its engine modules after it serves. Run on a private copy of the package ($1: the
# package root to copy, default this worktree). What do the socket, the watchdog supervision and
# a crash of the runner do then? Expected: the tests keep a working socket, or at least a clear
# line in the watchdog log and the session left for the next run, which sweeps it.
: "${ATTACK_ENG:=/tmp/a6-eng}" "${ATTACK_POOL:=10.226.0.0/16}"; export ATTACK_ENG ATTACK_POOL
source "$(dirname "$0")/lib.sh"
a6_start_copy "${1:-}"
A6_DIST=$pkg/dist A6_BEFORE="rm $pkg/node_modules/execa" a6_hold '{"images":"off"}'
echo "setup: $(head -1 $out | cut -c1-80)..."
for t in 0.3 1.5; do
  sleep $t
  echo "+$t s: watchdogs: [$(a6_watchdogs)]; docker run through the socket: $(DOCKER_HOST=unix://$sock timeout 20 docker run -d --label a6=made "$BB" sleep 300 2>&1 | tail -1 | cut -c1-100)"
done
echo "watchdog log:"; sed 's/^/  /' "$sdir/watchdog.log" | cut -c1-220
a6_kill_then_sweep
