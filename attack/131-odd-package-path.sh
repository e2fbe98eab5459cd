#!/bin/bash
# The package installed under a directory whose name has characters that URLs escape or read
# specially (space, #, %, ?, %2F, non-ASCII, a newline): the bundle turns __filename into a file
# URL for createRequire and import('./engine-modules.js') resolves from it. Per path: does the
# socket serve, and after a SIGKILL of the runner does the watchdog load its modules and clean?
: "${ATTACK_ENG:=/tmp/a6-eng}" "${ATTACK_POOL:=10.226.0.0/16}"; export ATTACK_ENG ATTACK_POOL
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
a6_clean
names=('a b' 'h#sh' 'pc%20t' 'q?x=1' 'pc%2Fslash' 'ünï-çødé' $'nl\nx' 'semi;colon')
for name in "${names[@]}"; do
  pkg="/tmp/a6-odd/$name/node_modules/docker-janitor"; rm -rf /tmp/a6-odd; mkdir -p "$pkg"
  a6_pkg_copy "$REPO" "$pkg"
  A6_DIST="$pkg/dist" A6_CREATE=1 A6_PING=1 A6_KILL_AFTER_MS=700 a6_hold '{"images":"off"}'
  wait $holder 2>/dev/null
  sleep 3
  echo "[$(printf %q "$name")] ping: $(grep -m1 '"ping' $out | cut -c1-30); create: $(grep -m1 '"create' $out | cut -c1-26); after the runner's SIGKILL: containers left $(a6_made); log: $(sed 's/^[^ ]* //' "$sdir/watchdog.log" 2>/dev/null | grep -v '^serving' | tr '\n' '|' | cut -c1-150)"
  sleep 4; for p in $(a6_watchdogs); do kill -9 $p; done
  a6_clean; rm -rf "$state" "$out" "$out.err"
done
rm -rf /tmp/a6-odd
