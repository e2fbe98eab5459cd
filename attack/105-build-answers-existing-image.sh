#!/bin/bash
# A build through the socket answered wholly from the cache names an image that existed before
# it. Here that image is not the run's: someone outside the socket built the same steps and the
# same two label steps the socket adds (the session ID is in the tests' environment), untagged.
# The socket records the ID its answer names, and teardown removes that image as the run's own.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
hold_session '{}'
id=$(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).id')
ctx=$(mktemp -d)
printf 'FROM %s\nRUN echo spoof > /s\nLABEL docker-janitor.build-session=%s\nLABEL docker-janitor.session=\n' "$BB" "$id" > "$ctx/Dockerfile"
theirs=$(docker build -q "$ctx" 2>/dev/null)
echo "built outside the socket, untagged: $theirs"
printf 'FROM %s\nRUN echo spoof > /s\n' "$BB" > "$ctx/Dockerfile"
ours=$(DOCKER_HOST=unix://$sock docker build -q "$ctx" 2>/dev/null); rm -rf "$ctx"
echo "the same steps through the socket answered: $ours ($([ "$ours" = "$theirs" ] && echo the same image || echo another image))"
sleep 0.3
echo "images-made.txt: $(cut -c1-19 $(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).dir')/images-made.txt 2>/dev/null | tr '\n' ' ')"
kill -USR2 $holder; wait $holder
if docker image inspect "$theirs" >/dev/null 2>&1; then echo "their image after teardown: still there"; else echo "their image after teardown: GONE"; fi
docker rmi "$theirs" >/dev/null 2>&1
rm -rf "$state" "$out"
