#!/bin/bash
# dist/ moved away N ms after setup and put back 1 s later (a rebuild or prepack's `rm -rf dist`
# in another terminal as the tests start), on a private copy of the package. A docker run
# through the socket at +1.5 s and +2.5 s, then a SIGKILL of the runner. Expected: the tests'
# calls after the package is back work (a watchdog that failed is restarted), the crash is
# cleaned, the log says what happened.
: "${ATTACK_ENG:=/tmp/a6-eng}" "${ATTACK_POOL:=10.226.0.0/16}"; export ATTACK_ENG ATTACK_POOL
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
a6_clean
src=${SRC:-$REPO}; pkg=/tmp/a6pkg-mv
for n in ${DELAYS:-0 20 50 90}; do
  a6_pkg_copy "$src" "$pkg"
  A6_DIST=$pkg/dist A6_AT_MS=$n A6_AT_CMD="mv $pkg/dist $pkg/dist.away; sleep 1; mv $pkg/dist.away $pkg/dist" a6_hold '{"images":"off"}'
  sleep 1.5
  r1=$(DOCKER_HOST=unix://$sock timeout 20 docker run -d --label a6=made "$BB" sleep 300 2>&1 | tr '\n' ' ' | cut -c1-60)
  sleep 1
  r2=$(DOCKER_HOST=unix://$sock timeout 20 docker run -d --label a6=made "$BB" sleep 300 2>&1 | tr '\n' ' ' | cut -c1-60)
  log=$(sed 's/^[^ ]* //' "$sdir/watchdog.log" 2>/dev/null | sed 's|/tmp/a6-state[^ ]*||' | tr '\n' '|' | cut -c1-400)
  kill -9 $holder; wait $holder 2>/dev/null; sleep 8
  echo "mv dist at +$n ms: run at +1.5 s: $r1; at +2.5 s: $r2; after the runner's SIGKILL: containers left $(a6_made), record $([ -d "$sdir" ] && echo left || echo gone)"
  echo "   log: $log"
  for p in $(a6_watchdogs); do kill -9 $p; done
  a6_clean; rm -rf "$state" "$out" "$out.err" "$pkg"
done
