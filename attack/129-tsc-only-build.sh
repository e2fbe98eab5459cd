#!/bin/bash
# A build with tsc alone (`npx tsc -p tsconfig.build.json`, as bench/run.mjs's message says, or
# `tsc --watch` while developing) no longer makes what setup spawns: dist/watchdog/main.cjs is
# written only by scripts/bundle-watchdog.mjs. On a copy of this worktree:
#  A. from a clean dist/: no main.cjs; what does a session say and do?
#  B. after `npm run build`, a change to the serve path (here: log.ts prefixes each line with
#     "NEW ") then tsc alone: the runner runs the new code, the watchdog the old bundle.
# The test suite's guards only check dist/session/open.js, so both pass them.
: "${ATTACK_ENG:=/tmp/a6-eng}" "${ATTACK_POOL:=10.226.0.0/16}"; export ATTACK_ENG ATTACK_POOL
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
a6_clean
copy=/tmp/a6-tsc; rm -rf $copy; mkdir -p $copy
cp -r "$REPO/src" "$REPO/scripts" "$REPO/package.json" "$REPO/tsconfig.json" "$REPO/tsconfig.build.json" $copy/
ln -s "$(readlink -f "$REPO/node_modules")" $copy/node_modules
session_says() {
  A6_DIST=$copy/dist A6_PING=1 A6_CREATE=1 A6_TEARDOWN_AFTER_MS=1500 a6_hold '{"images":"off"}'
  wait $holder
  echo "  setup warnings: $(head -1 $out | node -pe 'JSON.parse(require("fs").readFileSync(0)).warnings.join(" / ")' | cut -c1-300)"
  echo "  ping: $(grep -m1 '"ping' $out | cut -c1-60); create: $(grep -m1 '"create' $out | cut -c1-40)"
  grep -m1 teardownMs $out | node -pe 'const r=JSON.parse(require("fs").readFileSync(0));`  teardown: removed ${r.removed.containers.length}, incomplete ${r.incomplete}, warnings: ${r.warnings.join(" / ").slice(0,400)}`'
  echo "  containers left $(a6_made)"; a6_clean; rm -rf "$state" "$out" "$out.err"
}
echo "A. rm -rf dist; tsc alone"
(cd $copy && npx tsc -p tsconfig.build.json) && ls $copy/dist/watchdog/ | grep main | tr '\n' ' '; echo
session_says
echo "B. npm run build; log.ts changed; tsc alone"
(cd $copy && npm run build >/dev/null 2>&1)
sed -i "s/const line = \`\${now.toISOString()} /const line = \`\${now.toISOString()} NEW /" $copy/src/watchdog/log.ts
grep -c 'NEW ' $copy/src/watchdog/log.ts >/dev/null || echo "  (the log.ts change did not apply: the demo is void)"
(cd $copy && npx tsc -p tsconfig.build.json)
echo "  dist/watchdog/log.js has it: $(grep -c 'NEW ' $copy/dist/watchdog/log.js); main.cjs has it: $(grep -c 'NEW ' $copy/dist/watchdog/main.cjs)"
A6_DIST=$copy/dist a6_hold '{"images":"off"}'
sleep 0.5; echo "  the running watchdog's log: $(head -1 $sdir/watchdog.log | cut -c1-90)"
kill -USR2 $holder; wait $holder; rm -rf "$state" "$out" "$out.err" $copy
