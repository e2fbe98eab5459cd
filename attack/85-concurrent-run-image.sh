#!/bin/bash
# Two runs on one engine. Run B (started first, still running) builds an untagged image through
# its socket and uses it between tests; run A starts after it and ends first. A's teardown
# (images: before-and-own, the default) takes the images that existed when A started: B's
# image is one, and it is removed while B still runs.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
state=$(mktemp -d /tmp/a3-state.XXXX); outA=$(mktemp); outB=$(mktemp)
DOCKER_JANITOR_STATE_DIR=$state node "$ATTACK_DIR/hold-session.mjs" '{}' > "$outB" &
holderB=$!
for _ in $(seq 50); do [ -s "$outB" ] && break; sleep 0.2; done
sockB=$(head -1 "$outB" | node -pe 'JSON.parse(require("fs").readFileSync(0)).socket')
ctx=$(mktemp -d); printf 'FROM %s\nRUN echo b > /b\n' "$BB" > "$ctx/Dockerfile"
img=$(DOCKER_HOST=unix://$sockB docker build -q "$ctx" 2>/dev/null); rm -rf "$ctx"
echo "run B built $img (untagged), labels $(docker image inspect -f '{{json .Config.Labels}}' $img)"
DOCKER_HOST=unix://$sockB docker run --rm "$img" cat /b >/dev/null && echo "run B: docker run $img ok"
DOCKER_JANITOR_STATE_DIR=$state node "$ATTACK_DIR/hold-session.mjs" '{}' > "$outA" &
holderA=$!
for _ in $(seq 50); do [ -s "$outA" ] && break; sleep 0.2; done
echo "run A starts and ends"
kill -USR2 $holderA; wait $holderA
echo "run B, next test: $(DOCKER_HOST=unix://$sockB docker run --rm "$img" cat /b 2>&1 | head -1)"
kill -USR2 $holderB; wait $holderB
docker images -q --filter dangling=true | xargs -r docker rmi >/dev/null 2>&1
rm -rf "$state" "$outA" "$outB"
