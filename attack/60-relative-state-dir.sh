#!/bin/bash
# DOCKER_JANITOR_STATE_DIR (or TMPDIR) given as a relative path: the tests' DOCKER_HOST was a
# relative unix path, reachable only from the directory the run started in.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
work=$(mktemp -d /tmp/a3-rel.XXXX); cd "$work"
DOCKER_JANITOR_STATE_DIR=st timeout 30 node -e '
import("'"$REPO"'/dist/index.js").then(async ({openSession}) => {
  const s = await openSession({summary:false, sweepDeadSessions:false, images:"off"});
  console.log("DOCKER_HOST for the tests:", s.env.DOCKER_HOST);
  const { execFileSync } = await import("node:child_process");
  const run = (cwd) => { try { return execFileSync("docker", ["ps","-q"], {cwd, env:{...process.env, ...s.env}, stdio:["ignore","pipe","pipe"]}).toString().trim() || "ok"; } catch (e) { return String(e.stderr).trim().split("\n")[0]; } };
  console.log("docker ps from the run'"'"'s directory:", run(process.cwd()));
  console.log("docker ps from another directory:", run("/"));
  await s.teardown();
});'
cd /; rm -rf "$work"
