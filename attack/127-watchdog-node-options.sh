#!/bin/bash
# NODE_OPTIONS the runner's environment hands to the watchdog (set in process.env before setup,
# as a runner config or a debug terminal can, so only the watchdog starts with it). Per variant:
# does the watchdog serve, when does a /_ping sent at once after setup get its answer, and is
# teardown complete? Packages: $PKGS (default: this worktree, and /tmp/a6-old if it is there), interleaved.
: "${ATTACK_ENG:=/tmp/a6-eng}" "${ATTACK_POOL:=10.226.0.0/16}"; export ATTACK_ENG ATTACK_POOL
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
P=$ATTACK_DIR/a6-preload
PKGS=${PKGS:-$REPO $( [ -d /tmp/a6-old/dist ] && echo /tmp/a6-old)}
variants=(
  ''
  "--require ./attack/a6-preload/slow.cjs"
  "--require $P/slow.cjs"
  "--require $P/missing.cjs"
  "--import $P/plain.mjs"
  "--experimental-loader $P/hook.mjs"
  "--experimental-default-type=module"
  "--preserve-symlinks --preserve-symlinks-main"
  "--frozen-intrinsics"
  "--disallow-code-generation-from-strings"
  "--inspect=127.0.0.1:0"
  "--inspect-brk=127.0.0.1:0"
  "--max-old-space-size=16"
)
cd "$REPO"
for v in "${variants[@]}"; do
  for pkg in $PKGS; do
    A6_WD_NODE_OPTIONS="$v" A6_DIST=$pkg/dist A6_PING=1 A6_TEARDOWN_AFTER_MS=${TD_MS:-2500} a6_hold '{"images":"off"}'
    wait $holder
    ping=$(grep -m1 '"ping' $out | cut -c1-40); td=$(grep -m1 teardownMs $out | node -pe 'const r=JSON.parse(require("fs").readFileSync(0));`teardown ${r.teardownMs} ms, incomplete ${r.incomplete}, warnings ${r.warnings.length}: ${r.warnings.join(" / ").slice(0,160)}`' 2>/dev/null)
    echo "[${v:-none}] $(basename $pkg): $ping; $td; log: $(sed 's/^[^ ]* //' $sdir/watchdog.log 2>/dev/null | tr '\n' '|' | cut -c1-120)"
    sleep 0.3; left=$(a6_watchdogs); [ -n "$left" ] && { echo "   watchdog left running: $left"; for p in $left; do kill -9 $p; done; }
    rm -rf "$state" "$out" "$out.err"
  done
done
