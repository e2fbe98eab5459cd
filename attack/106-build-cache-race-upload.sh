#!/bin/bash
# The socket lists the images before a build goes to the engine, and takes every parent of the
# built image that was not in that listing as made by the build. A build's context is uploaded
# first: another terminal's build of the same steps (small context, not through the socket)
# that finishes while the tests' large context is still uploading becomes a cached step of the
# tests' build, after the listing. Is it then recorded as the run's, and removed at teardown?
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
MB=${MB:-400}
# Q=1 (default): the tests' build is quiet (docker build -q); Q=0: it is not.
Q=${Q:-1}
hold_session '{}'
big=$(mktemp -d); small=$(mktemp -d)
printf 'FROM %s\nRUN echo race-%s > /r\n' "$BB" "$RANDOM$RANDOM" > "$big/Dockerfile"; cp "$big/Dockerfile" "$small/"
head -c $((MB * 1024 * 1024)) /dev/urandom > "$big/blob"
start=$(date +%s%N)
if [ "$Q" = 1 ]; then (DOCKER_HOST=unix://$sock docker build -q "$big" > "$big/id" 2>/dev/null) &
else (DOCKER_HOST=unix://$sock docker build "$big" 2>/dev/null | sed -n 's/^Successfully built //p' > "$big/id") & fi
tests=$!
sleep 0.2
theirs=$(docker build -q "$small" 2>/dev/null)
echo "their build (outside the socket) done after $(( ($(date +%s%N) - start) / 1000000 )) ms: $theirs"
wait $tests
ours=$(docker image inspect -f '{{.Id}}' "$(cat "$big/id")")
echo "the tests' build done after $(( ($(date +%s%N) - start) / 1000000 )) ms: $ours, its parent's parent $(docker image inspect -f '{{.Parent}}' $(docker image inspect -f '{{.Parent}}' $ours) | cut -c1-19)"
rm -rf "$big" "$small"
sleep 0.5
made=$(cat $(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).dir')/images-made.txt)
echo "images-made.txt has theirs: $(echo "$made" | grep -q "$theirs" && echo YES || echo no)"
kill -USR2 $holder; wait $holder
if docker image inspect "$theirs" >/dev/null 2>&1; then echo "their image after teardown: still there"; else echo "their image after teardown: GONE"; fi
docker images -q --filter dangling=true --filter label=docker-janitor.build-session | xargs -r docker rmi >/dev/null 2>&1
docker rmi "$theirs" >/dev/null 2>&1
rm -rf "$state" "$out"
