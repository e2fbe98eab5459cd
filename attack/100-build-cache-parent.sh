#!/bin/bash
# A build through the socket on the legacy builder reuses the build cache: its steps may land on
# images another process made (here: the user's own untagged build of the same Dockerfile, in
# another terminal, during the run). The socket's LABEL step then makes the run's image as a
# child of the user's image. Teardown removes the run's image without noprune: dockerd deletes
# its untagged parents with it, the user's image among them.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
# OPTS: the session's options as JSON, e.g. '{"docker":{"transport":"cli"}}'.
opts=${OPTS:-'{}'}
hold_session "$opts"
ctx=$(mktemp -d); printf 'FROM %s\nRUN echo mine > /mine\n' "$BB" > "$ctx/Dockerfile"
mine=$(docker build -q "$ctx" 2>/dev/null)
echo "the user's untagged build during the run (not through the socket): $mine"
ours=$(DOCKER_HOST=unix://$sock docker build -q "$ctx" 2>/dev/null); rm -rf "$ctx"
step=$(docker image inspect -f '{{.Parent}}' $ours)
echo "the same Dockerfile built through the socket: $ours, parent $step (a label step), its parent $(docker image inspect -f '{{.Parent}}' $step)"
echo "images-made.txt: $(cat $(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).dir')/images-made.txt 2>&1)"
kill -USR2 $holder; wait $holder
echo "teardown: $(tail -1 "$out" | cut -c1-160)"
if docker image inspect "$mine" >/dev/null 2>&1; then echo "the user's image after teardown: still there"; else echo "the user's image after teardown: GONE"; fi
if docker image inspect "$step" >/dev/null 2>&1; then echo "the run's label step $step: left behind, dangling"; else echo "the run's label step: gone"; fi
docker rmi $ours $step $mine >/dev/null 2>&1
rm -rf "$state" "$out"
