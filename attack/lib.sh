# Shared helpers for the attack3 scripts. Source it; needs root.
set -uo pipefail
ATTACK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$ATTACK_DIR/.." && pwd)
ENG=${ATTACK_ENG:-/tmp/a3-eng}
export DOCKER_HOST="unix://$ENG/docker.sock"
export DOCKER_CONTEXT=
BB=attack3-bb

engine_up() {
  if ! docker version >/dev/null 2>&1; then
    DJ_TEST_ENGINE_ADDRESS_POOL=${ATTACK_POOL:-10.223.0.0/16} "$REPO/scripts/test-engine.sh" start "$ENG" >/dev/null || return 1
  fi
  if ! docker image inspect "$BB" >/dev/null 2>&1; then
    local ctx; ctx=$(mktemp -d)
    cp /bin/busybox "$ctx/busybox"
    printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\n' > "$ctx/Dockerfile"
    docker build -q -t "$BB" "$ctx" >/dev/null
    rm -rf "$ctx"
  fi
}
engine_down() { "$REPO/scripts/test-engine.sh" stop "$ENG"; }
# ENG's pid, for SIGSTOP/SIGCONT
engine_pid() { cat "$ENG/docker.pid"; }

# Opens a session (attack/hold-session.mjs, options JSON in $1) in the background and waits for
# its first line: sets state (its state dir), out (its output file), holder (its pid), sid (the
# session's ID), sock (the session socket's path) and T (the socket as a DOCKER_HOST value).
# SIGUSR2 to $holder tears it down.
hold_session() {
  state=$(mktemp -d /tmp/a3-state.XXXX); out=$(mktemp)
  DOCKER_JANITOR_STATE_DIR=$state node "$ATTACK_DIR/hold-session.mjs" "$1" > "$out" &
  holder=$!
  for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.2; done
  sock=$(held socket)
  sid=$(held id)
  T="unix://$sock"
}

# A field of the held session's first line (hold_session): `held id`, `held dir`.
held() { head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0))[process.argv[1]]' "$1"; }

# Tears the held session down (SIGUSR2) while the engine is frozen, thaws the engine after $THAW
# seconds, and says how long the teardown took and its last line.
teardown_thawed() {
  local t0; t0=$(date +%s.%N)
  kill -USR2 "$holder"
  ( sleep "$THAW"; kill -CONT "$(engine_pid)" ) &
  wait "$holder"
  echo "teardown after $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5) s: $(tail -1 "$out" | cut -c1-700)"
}

# attack6: opens a session with attack/a6-hold.mjs (options JSON in $1; A6_* in the environment)
# in the background: sets state, out, holder; waits for the first line and sets sock, sdir, wdpid.
a6_hold() {
  state=${A6_STATE:-$(mktemp -d /tmp/a6-state.XXXX)}; out=$(mktemp /tmp/a6-out.XXXX)
  DOCKER_JANITOR_STATE_DIR=$state node "$ATTACK_DIR/a6-hold.mjs" "$1" > "$out" 2>>"$out.err" &
  holder=$!
  for _ in $(seq 100); do [ -s "$out" ] && break; sleep 0.1; done
  sock=$(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).socket')
  sdir=$(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).dir')
  wdpid=$(pgrep -f "watchdog/main[.]c?js.*--session-dir $state" | head -1)
}
# Containers carrying the label a6=made (any state), as a count.
a6_made() { docker ps -aq --filter label=a6=made | wc -l; }
a6_clean() { docker ps -aq --filter label=a6=made | xargs -r docker rm -f >/dev/null; }
# attack6: a private copy of a built package ($1: its root, with dist/ and package.json) in $2,
# node_modules a directory of links to $1's, so that one dependency can be removed there alone.
a6_pkg_copy() {
  rm -rf "$2"; mkdir -p "$2/node_modules"
  cp -r "$1/dist" "$1/package.json" "$2/"
  local m; for m in "$1"/node_modules/* "$1"/node_modules/.bin; do ln -s "$(readlink -f "$m")" "$2/node_modules/$(basename "$m")"; done
  for m in "$1"/node_modules/@*; do rm "$2/node_modules/$(basename "$m")"; ln -s "$(readlink -f "$m")" "$2/node_modules/$(basename "$m")"; done
}
# the watchdog processes of the state dir $state
a6_watchdogs() { pgrep -f "watchdog/main[.]c?js.*--session-dir $state" | tr '\n' ' '; }
# attack6: the engine up, no a6=made container left, and a private copy of the package ($1: its
# root, default this worktree) in $pkg (a6_pkg_copy); the runner's setup then uses $pkg/dist.
a6_start_copy() {
  engine_up || exit 1
  a6_clean
  local src=${1:-$REPO}; pkg=/tmp/a6pkg-$(basename "$src")
  a6_pkg_copy "$src" "$pkg"
}
# attack6: SIGKILL of the held session's runner; what is left 8 s later; then the next run's
# sweep (the package repaired, $REPO's bin) and what is left after it; then everything goes.
a6_kill_then_sweep() {
  echo "SIGKILL the runner"; kill -9 $holder; wait $holder 2>/dev/null
  sleep 8
  echo "8 s later: containers left $(a6_made), record left $([ -d "$sdir" ] && echo yes || echo no), watchdogs [$(a6_watchdogs)]"
  echo "--- the next run's sweep (the package repaired)"
  DOCKER_JANITOR_STATE_DIR=$state node "$REPO/dist/cli/bin.js" sweep 2>&1 | tail -3
  echo "containers left after sweep: $(a6_made)"
  a6_clean; rm -rf "$state" "$out" "$out.err" "$pkg"
}
