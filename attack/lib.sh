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
# its first line: sets state (its state dir), out (its output file), holder (its pid) and sock
# (the session socket's path). SIGUSR2 to $holder tears it down.
hold_session() {
  state=$(mktemp -d /tmp/a3-state.XXXX); out=$(mktemp)
  DOCKER_JANITOR_STATE_DIR=$state node "$ATTACK_DIR/hold-session.mjs" "$1" > "$out" &
  holder=$!
  for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.2; done
  sock=$(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).socket')
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
