#!/usr/bin/env bash
# attack5/117: dockerd frozen, then a raw `POST /containers/create` (no ping first) through the
# session socket: the create is upstream, unanswered, when teardown closes the socket. dockerd
# thawed THAW s (default 12) after teardown began. Teardown's time and words; does the container
# the thawed create makes get cleaned, and by whom (teardown, the watchdog, a sweep)?
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
THAW=${THAW:-12}
hold_session '{"docker":{"timeoutMs":3000}}'
kill -STOP "$(engine_pid)"
python3 - "$sock" > /tmp/a5/117-client 2>&1 <<'PY' &
import socket, sys, json
b = json.dumps({"Image": "attack3-bb", "Cmd": ["sleep", "600"]}).encode()
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(60)
s.sendall(b'POST /v1.41/containers/create?name=a5-inflight HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: ' + str(len(b)).encode() + b'\r\n\r\n' + b)
try:
    print('client got:', s.recv(4096)[:60])
except Exception as e:
    print('client error:', e)
PY
client=$!
sleep 1
teardown_thawed
wait "$client"; echo "$(cat /tmp/a5/117-client)"
sleep 3
echo "a5-inflight: $(docker inspect -f '{{.State.Status}} {{json .Config.Labels}}' a5-inflight 2>&1)"
echo "session dir: $(ls "$state/sessions" 2>/dev/null); watchdog log tail: $(tail -2 "$state"/sessions/*/watchdog.log 2>/dev/null | cut -c1-220)"
for t in $(seq 1 20); do [ "$(docker ps -aq --filter label=docker-janitor.session=$sid | wc -l)" = 0 ] && { echo "gone after ${t}s"; break; }; sleep 1; done
echo "left: $(docker ps -aq --filter label=docker-janitor.session=$sid | wc -l)"
echo "sweep: $(DOCKER_JANITOR_STATE_DIR=$state node "$REPO/dist/cli/bin.js" sweep 2>&1 | tail -1)"
rm -rf "$state" "$out"
