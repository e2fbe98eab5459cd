#!/bin/bash
# The background sweep's log under the state root is only ever appended to. One dead session
# whose engine is gone (a tcp:// port nothing listens on) and one refused record: how many
# lines does each run add?
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
state=$(mktemp -d /tmp/a3-state.XXXX)
mkdir -p -m 700 "$state/sessions"
# A refused record (bad pid) of this user.
mkdir -m 700 "$state/sessions/mx00000a-00000001"
echo '{"id":"mx00000a-00000001","pid":-5}' > "$state/sessions/mx00000a-00000001/session.json"; chmod 600 "$state/sessions/mx00000a-00000001/session.json"
for run in ${RUNS:-1 2 3 4 5}; do
  DOCKER_JANITOR_STATE_DIR=$state node -e '
  import("'"$REPO"'/dist/index.js").then(async ({openSession}) => {
    const s = await openSession({summary:false, images:"off", socket:false});
    await new Promise((r) => setTimeout(r, 1500));
    await s.teardown();
  });'
  echo "after run $run: background-sweep.log $(wc -l < $state/background-sweep.log 2>/dev/null || echo 0) lines, $(wc -c < $state/background-sweep.log 2>/dev/null || echo 0) bytes"
done
tail -2 "$state/background-sweep.log" | cut -c1-200
# As after ~1850 such runs: 256 KiB of old lines. One more run.
head -c 270000 /dev/zero | tr '\0' 'x' > "$state/background-sweep.log"; chmod 600 "$state/background-sweep.log"
DOCKER_JANITOR_STATE_DIR=$state node -e '
import("'"$REPO"'/dist/index.js").then(async ({openSession}) => {
  const s = await openSession({summary:false, images:"off", socket:false});
  await new Promise((r) => setTimeout(r, 1500));
  await s.teardown();
});'
echo "a 270000-byte log, one more run: $(wc -c < $state/background-sweep.log) bytes; first line: $(head -1 $state/background-sweep.log | cut -c1-100)"
rm -rf "$state"
