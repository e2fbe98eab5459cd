#!/bin/bash
# As 125 (a dist/ file the watchdog loads after it serves is gone), with the runner's
# NODE_OPTIONS=--unhandled-rejections=warn (a user's choice, inherited by the watchdog). main.ts
# ends its start with `void Promise.all(...)`, so the failed import() is an unhandled rejection:
# with this flag the watchdog does not end. Then: a run through the socket, SIGKILL of the
# runner, and after 8 s: is the socket still served (a dead run's socket labelling creates),
# the watchdog alive, the containers removed?  $1: package root (default this worktree).
: "${ATTACK_ENG:=/tmp/a6-eng}" "${ATTACK_POOL:=10.226.0.0/16}"; export ATTACK_ENG ATTACK_POOL
source "$(dirname "$0")/lib.sh"
gone=${GONE:-session/adopt.js}
a6_start_copy "${1:-}"
NODE_OPTIONS="${A6_NODE_OPTIONS:---unhandled-rejections=warn}" A6_DIST=$pkg/dist A6_BEFORE="rm $pkg/dist/$gone" a6_hold '{"images":"off"}'
echo "setup: $(head -1 $out | cut -c1-60)... (removed dist/$gone, NODE_OPTIONS=${A6_NODE_OPTIONS:---unhandled-rejections=warn})"
sleep 1
echo "+1 s: watchdogs [$(a6_watchdogs)]; docker run through the socket: $(DOCKER_HOST=unix://$sock timeout 20 docker run -d --label a6=made "$BB" sleep 300 2>&1 | tr '\n' ' ' | cut -c1-100)"
echo "SIGKILL the runner"; kill -9 $holder; wait $holder 2>/dev/null
sleep 8
echo "8 s later: watchdogs [$(a6_watchdogs)]; containers left $(a6_made); record left $([ -d "$sdir" ] && echo yes || echo no)"
echo "a dead run's socket, 8 s after: docker run through it: $(DOCKER_HOST=unix://$sock timeout 20 docker run -d --label a6=made "$BB" sleep 300 2>&1 | tr '\n' ' ' | cut -c1-100)"
echo "watchdog log:"; sed 's/^[^ ]* /  /' "$sdir/watchdog.log" | cut -c1-200
echo "--- the next run's sweep (package repaired)"
DOCKER_JANITOR_STATE_DIR=$state node "$REPO/dist/cli/bin.js" sweep 2>&1 | tail -2
echo "after sweep: containers left $(a6_made); watchdogs [$(a6_watchdogs)]; socket: $(DOCKER_HOST=unix://$sock timeout 20 docker run -d --label a6=made "$BB" sleep 300 2>&1 | tr '\n' ' ' | cut -c1-80)"
echo "after that create: containers left $(a6_made)"
for p in $(a6_watchdogs); do kill $p; done; sleep 0.5; for p in $(a6_watchdogs); do kill -9 $p; done
a6_clean; rm -rf "$state" "$out" "$out.err" "$pkg"
