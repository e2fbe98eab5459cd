#!/usr/bin/env bash
# attack5/116: DOCKER_HOST with spaces or a newline around it (a .env file, a YAML value), which
# the docker CLI trims (docker/cli opts.ParseHost). Does a session still hand the tests a working
# socket, and does `docker run` through it work and get cleaned?
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
for h in "unix://$ENG/docker.sock " $'unix://'"$ENG"$'/docker.sock\n' " unix://$ENG/docker.sock"; do
  st=$(mktemp -d /tmp/a5-st.XXXX)
  r=$(DOCKER_HOST="$h" DOCKER_JANITOR_STATE_DIR=$st timeout 60 node -e '
  import("'"$REPO"'/dist/index.js").then(async ({openSession})=>{
    try {
      const s = await openSession({summary:false,sweepDeadSessions:false,docker:{timeoutMs:3000}});
      const env = {...process.env}; s.exportEnv(env);
      const run = require("node:child_process").spawnSync("docker", ["run","-d","'"$BB"'","sleep","60"], {env, encoding:"utf8"});
      console.log("socket " + (s.socket ? "yes" : "none") + "; docker run through it: exit " + run.status + " " + (run.stderr||"").split("\n")[0].slice(0,120));
      const r = await s.teardown();
      console.log("teardown: removed " + r.containers.removed.length + " container(s), incomplete " + r.incomplete + " " + JSON.stringify(r.warnings).slice(0,160));
    } catch (e) { console.log("openSession threw: " + String(e.message).split("\n")[0].slice(0,200)); }
  })' 2>&1 | tr '\n' ' ')
  echo "[$(printf %q "$h")] $r"
  rm -rf "$st"
done
