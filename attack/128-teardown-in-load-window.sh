#!/bin/bash
# Teardown N ms after setup returned, with a container create sent through the socket at once:
# the channel's `close` arrives while the watchdog may still load its engine modules. Adoption
# on (adopt.all), so the watchdog also starts `docker events` after the window. Expected: the
# container is removed (or never made), teardown complete, the watchdog gone 1 s later, no
# `docker events` child left.
: "${ATTACK_ENG:=/tmp/a6-eng}" "${ATTACK_POOL:=10.226.0.0/16}"; export ATTACK_ENG ATTACK_POOL
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
a6_clean
opts=${OPTS:-'{"images":"off","adopt":{"all":true}}'}
for n in ${DELAYS:-0 2 5 10 20 40 70 100 150}; do
  A6_CREATE=1 A6_TEARDOWN_AFTER_MS=$n a6_hold "$opts"
  wait $holder
  sleep 1
  td=$(grep -m1 teardownMs $out | node -pe 'const r=JSON.parse(require("fs").readFileSync(0));`teardown ${r.teardownMs} ms, removed ${r.removed.containers.length}, incomplete ${r.incomplete}, warnings: ${r.warnings.join(" / ").slice(0,200)}`' 2>/dev/null)
  echo "teardown at $n ms: create: $(grep -m1 '"create' $out | cut -c1-30); $td; containers left $(a6_made); watchdog [$(a6_watchdogs)]; events children $(pgrep -f "docker.*events.*$ATTACK_ENG" | wc -l); record $([ -d "$sdir" ] && echo left || echo gone)"
  a6_clean; rm -rf "$state" "$out" "$out.err"
done
