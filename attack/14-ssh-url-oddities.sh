#!/bin/bash
# openSession with odd ssh:// DOCKER_HOST values: what the session says (no engine is reached).
source "$(dirname "$0")/lib.sh"
for h in 'ssh://%E0%A4%A@host' 'ssh://host/%E0%A4%A' 'ssh://host:0' 'ssh://host:99999' 'ssh://host:abc' 'ssh://' 'ssh://@host' 'ssh://user:pw@host'; do
  printf '%-26s ' "$h"
  DOCKER_HOST="$h" DOCKER_JANITOR_STATE_DIR=/tmp/a3-ssh-state timeout 30 node -e '
  import("'"$REPO"'/dist/index.js").then(async ({openSession}) => {
    try { const s = await openSession({summary:false, sweepDeadSessions:false, images:"off", docker:{timeoutMs:2000}}); console.log("opened; socket:", s.socket ? "yes" : "no", "warnings:", JSON.stringify(s.warnings).slice(0,150)); await s.teardown(); }
    catch (e) { console.log("openSession threw:", String(e.message).split("\n")[0].slice(0,150)); }
  });' 2>&1 | tail -1
done
rm -rf /tmp/a3-ssh-state
