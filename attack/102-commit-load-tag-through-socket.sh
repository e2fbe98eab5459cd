#!/bin/bash
# Images reach the engine through the socket in other ways than a build: a commit of a container
# run from the user's untagged image (made during the run, outside the socket: say CI built it
# and handed its ID to the tests), a docker load, a docker tag, an import. Only what the socket
# itself made (the commit, the import) may go at teardown; the user's image, the commit's parent,
# must stay, and so must the loaded one.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
hold_session '{}'
ctx=$(mktemp -d); printf 'FROM %s\nRUN echo ci > /ci\n' "$BB" > "$ctx/Dockerfile"
ci=$(docker build -q "$ctx" 2>/dev/null)
echo "the user's untagged image (not through the socket): $ci"
export S=unix://$sock
DOCKER_HOST=$S docker run --name a4-commit-src "$ci" sh -c 'echo x > /x' >/dev/null
committed=$(DOCKER_HOST=$S docker commit a4-commit-src)
DOCKER_HOST=$S docker rm a4-commit-src >/dev/null
echo "committed through the socket: $committed (parent $(docker image inspect -f '{{.Parent}}' $committed | cut -c1-19))"
docker save "$BB" -o "$ctx/bb.tar"; docker tag "$BB" a4-loaded:1; docker rmi a4-loaded:1 >/dev/null
sed -i 's/x/x/' "$ctx/Dockerfile"
loaded=$(DOCKER_HOST=$S docker load -q -i "$ctx/bb.tar")
echo "docker load through the socket: $loaded"
DOCKER_HOST=$S docker tag "$ci" a4-tagged:through-socket && DOCKER_HOST=$S docker rmi a4-tagged:through-socket >/dev/null
tar -C "$ctx" -cf "$ctx/root.tar" Dockerfile
imported=$(DOCKER_HOST=$S docker import "$ctx/root.tar")
echo "imported through the socket: $imported"
rm -rf "$ctx"
echo "images-made.txt: $(cat $(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).dir')/images-made.txt | cut -c1-19 | tr '\n' ' ')"
kill -USR2 $holder; wait $holder
for what in ci committed imported; do id=${!what}; if docker image inspect "$id" >/dev/null 2>&1; then echo "$what after teardown: still there"; else echo "$what after teardown: gone"; fi; done
echo "$BB after teardown: $(docker image inspect -f '{{.RepoTags}}' $BB)"
docker rmi $committed $imported $ci >/dev/null 2>&1
rm -rf "$state" "$out"
