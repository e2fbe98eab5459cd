#!/bin/bash
# A file of dist/ the watchdog needs for cleaning (dist/session/adopt.js by default: the runner
# already loaded it; before 5f468a1 the watchdog loaded it at start, now after it serves) goes
# between the runner loading the package and setup: a rebuild (tsc rewrites dist/ file by file),
# `rm -rf dist` of prepack, a checkout, in another terminal. Private copy of the package ($1: the
# package root to copy, default this worktree). The tests run containers through the socket for
# 3 s, then the runner is SIGKILLed. What do the tests, the supervision, the log and the cleanup see?
: "${ATTACK_ENG:=/tmp/a6-eng}" "${ATTACK_POOL:=10.226.0.0/16}"; export ATTACK_ENG ATTACK_POOL
source "$(dirname "$0")/lib.sh"
gone=${GONE:-session/adopt.js}
a6_start_copy "${1:-}"
A6_DIST=$pkg/dist A6_BEFORE="rm $pkg/dist/$gone" a6_hold '{"images":"off"}'
echo "setup: $(head -1 $out | cut -c1-60)... (removed dist/$gone)"
for t in 0 0.3 0.5 1 1.5; do
  sleep $t
  r=$(DOCKER_HOST=unix://$sock timeout 20 docker run -d --label a6=made "$BB" sleep 300 2>&1 | tr '\n' ' ' | cut -c1-150)
  echo "+$t s: watchdogs [$(a6_watchdogs)]; docker run through the socket: $r"
done
echo "watchdog log:"; sed 's/^[^ ]* /  /' "$sdir/watchdog.log" | cut -c1-200
echo "teardown would say (not run)"
a6_kill_then_sweep
