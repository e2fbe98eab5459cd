#!/bin/bash
# Option values the options schema accepts but the session record check refuses: the record is
# written, then the watchdog refuses to read it, so it never serves the session socket the tests
# were given. A docker call through the socket waits in the listen backlog.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
ln -sfn "$ENG" "/tmp/a3 space"
try() {
  local what=$1 host=$2 opts=$3
  local state; state=$(mktemp -d /tmp/a3-state.XXXX); local out; out=$(mktemp)
  DOCKER_HOST=$host DOCKER_JANITOR_STATE_DIR=$state node "$ATTACK_DIR/hold-session.mjs" "$opts" > "$out" &
  local holder=$!
  for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.2; done
  if grep -q openSessionError "$out"; then echo "== $what: $(head -1 "$out")"; rm -rf "$state" "$out"; return; fi
  local sock; sock=$(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).socket')
  local warn; warn=$(head -1 "$out" | node -pe 'JSON.stringify(JSON.parse(require("fs").readFileSync(0)).warnings)')
  echo "== $what: setup warnings $warn"
  local t0; t0=$(date +%s%N)
  DOCKER_HOST=unix://$sock timeout 10 docker ps -q >/dev/null 2>&1; local rc=$?
  echo "   docker ps through the socket: exit $rc after $(( ($(date +%s%N)-t0)/1000000 )) ms (124 = killed by timeout 10)"
  echo "   watchdog.log: $(cat $state/sessions/*/watchdog.log 2>/dev/null | cut -c1-160)"
  echo "   watchdog running: $(pgrep -f "watchdog/main.cjs.*--session-dir $state" >/dev/null && echo yes || echo no)"
  kill -USR2 $holder; wait $holder
  rm -rf "$state" "$out"
}
try "101 adoption labels" "$DOCKER_HOST" "{\"images\":\"off\",\"adopt\":{\"labels\":[$(seq -s, -f '"l%g"' 1 101)]}}"
try "an adoption label of 1100 bytes" "$DOCKER_HOST" "{\"images\":\"off\",\"adopt\":{\"labels\":[\"$(printf 'a%.0s' $(seq 1100))\"]}}"
try "an engine socket path with a space" "unix:///tmp/a3 space/docker.sock" '{"images":"off"}'
try "control: ordinary options" "$DOCKER_HOST" '{"images":"off"}'
rm -f "/tmp/a3 space"
