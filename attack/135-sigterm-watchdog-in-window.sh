#!/bin/bash
# SIGTERM to the watchdog as soon as it serves (its engine modules maybe still loading), as an
# unlucky `kill`/`pkill -TERM node` would: SIGTERM means "the owner's teardown finished", so it
# closes the socket and exits 0, and exit 0 is not restarted. Then: a docker run through the
# socket, teardown, and what is left.
: "${ATTACK_ENG:=/tmp/a6-eng}" "${ATTACK_POOL:=10.226.0.0/16}"; export ATTACK_ENG ATTACK_POOL
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
a6_clean
state=$(mktemp -d /tmp/a6-state.XXXX); out=$(mktemp /tmp/a6-out.XXXX)
DOCKER_JANITOR_STATE_DIR=$state A6_CREATE=1 node "$ATTACK_DIR/a6-hold.mjs" '{"images":"off"}' > "$out" 2>&1 &
holder=$!
wd=""; for _ in $(seq 2000); do wd=$(pgrep -f "watchdog/main[.]cjs.*--session-dir $state" | head -1); [ -n "$wd" ] && break; sleep 0.002; done
for _ in $(seq 2000); do grep -qs serving $state/sessions/*/watchdog.log && break; sleep 0.001; done
kill -TERM $wd; echo "SIGTERM to watchdog $wd right after its 'serving' line"
for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.05; done
sock=$(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).socket'); sdir=$(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).dir')
sleep 1
echo "+1 s: watchdogs [$(a6_watchdogs)]; docker run through the socket: $(DOCKER_HOST=unix://$sock timeout 20 docker run -d --label a6=made "$BB" sleep 300 2>&1 | tr '\n' ' ' | cut -c1-100)"
echo "log: $(sed 's/^[^ ]* //' $sdir/watchdog.log | sed 's|/tmp/a6-state[^ ]*||' | tr '\n' '|' | cut -c1-300)"
kill -USR2 $holder; wait $holder
grep -m1 teardownMs $out | node -pe 'const r=JSON.parse(require("fs").readFileSync(0));`teardown: removed ${r.removed.containers.length}, incomplete ${r.incomplete}, warnings: ${r.warnings.join(" / ").slice(0,400)}`'
echo "containers left $(a6_made)"; a6_clean; rm -rf "$state" "$out"
