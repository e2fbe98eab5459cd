#!/bin/bash
# The package changes on disk between the runner loading it and setup (say `npm ci` in another
# terminal removed node_modules/execa for a moment): the runner has its modules, the watchdog
# loads its engine modules after it serves. Run on a private copy of the package ($1: the
# package root to copy, default this worktree). What do the socket, the watchdog supervision and
# a crash of the runner do then? Expected: the tests keep a working socket, or at least a clear
# line in the watchdog log and the session left for the next run, which sweeps it.
: "${ATTACK_ENG:=/tmp/a6-eng}" "${ATTACK_POOL:=10.226.0.0/16}"; export ATTACK_ENG ATTACK_POOL
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
a6_clean
src=${1:-$REPO}; pkg=/tmp/a6pkg-$(basename "$src")
a6_pkg_copy "$src" "$pkg"
A6_DIST=$pkg/dist A6_BEFORE="rm $pkg/node_modules/execa" a6_hold '{"images":"off"}'
echo "setup: $(head -1 $out | cut -c1-80)..."
for t in 0.3 1.5; do
  sleep $t
  echo "+$t s: watchdogs: [$(a6_watchdogs)]; docker run through the socket: $(DOCKER_HOST=unix://$sock timeout 20 docker run -d --label a6=made "$BB" sleep 300 2>&1 | tail -1 | cut -c1-100)"
done
echo "watchdog log:"; sed 's/^/  /' "$sdir/watchdog.log" | cut -c1-220
echo "SIGKILL the runner"; kill -9 $holder; wait $holder 2>/dev/null
sleep 8
echo "8 s later: containers left $(a6_made), record left $([ -d "$sdir" ] && echo yes || echo no), watchdogs [$(a6_watchdogs)]"
echo "--- the next run's sweep (the package repaired)"
DOCKER_JANITOR_STATE_DIR=$state node "$REPO/dist/cli/bin.js" sweep 2>&1 | tail -3
echo "containers left after sweep: $(a6_made)"
a6_clean; rm -rf "$state" "$out" "$out.err" "$pkg"
