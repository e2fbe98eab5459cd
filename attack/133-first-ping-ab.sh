#!/bin/bash
# When does a /_ping sent through the socket at once after setup get its answer: this worktree's
# build against $OLD (default /tmp/a6-old: f871078 built with tsc), interleaved, $ROUNDS rounds.
# Prints each round and the medians. Noisy on a shared machine: says the load average.
: "${ATTACK_ENG:=/tmp/a6-eng}" "${ATTACK_POOL:=10.226.0.0/16}"; export ATTACK_ENG ATTACK_POOL
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
OLD=${OLD:-/tmp/a6-old}
echo "load before: $(uptime | sed 's/.*load/load/')"
new=(); old=()
for r in $(seq ${ROUNDS:-8}); do
  for pkg in "$REPO" "$OLD"; do
    A6_DIST=$pkg/dist A6_PING=1 A6_TEARDOWN_AFTER_MS=800 a6_hold '{"images":"off"}'
    wait $holder
    ms=$(grep -m1 '"ping"' $out | node -pe 'JSON.parse(require("fs").readFileSync(0)).atMs' 2>/dev/null || echo NA)
    [ "$pkg" = "$REPO" ] && new+=($ms) || old+=($ms)
    rm -rf "$state" "$out" "$out.err"
  done
done
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "this build: ${new[*]} ms; median $(med "${new[@]}")"
echo "$OLD:  ${old[*]} ms; median $(med "${old[@]}")"
echo "load after: $(uptime | sed 's/.*load/load/')"
