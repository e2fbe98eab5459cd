#!/bin/bash
# The other side of 100: builds through the socket that reuse nothing of anyone else's (fresh
# steps, quiet and not, a second identical build that hits the first one's cache) must still
# leave nothing behind at teardown: their intermediate images are the run's own.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
before=$(docker images -aq --no-trunc | sort)
hold_session '{}'
ctx=$(mktemp -d); printf 'FROM %s\nRUN echo one > /one\nRUN echo two > /two\nCOPY Dockerfile /\n' "$BB" > "$ctx/Dockerfile"
a=$(DOCKER_HOST=unix://$sock docker build -q "$ctx" 2>/dev/null)
DOCKER_HOST=unix://$sock docker build "$ctx" >/dev/null 2>&1
b=$(DOCKER_HOST=unix://$sock docker build -q --build-arg X=1 "$ctx" 2>/dev/null)
printf 'FROM %s\nRUN echo three > /three\n' "$BB" > "$ctx/Dockerfile"
c=$(DOCKER_HOST=unix://$sock docker build "$ctx" 2>/dev/null | tail -1)
rm -rf "$ctx"
echo "built through the socket: $a, $b, $c; $(docker images -aq | wc -l) images on the engine"
echo "images-made.txt: $(wc -l < $(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).dir')/images-made.txt) lines"
kill -USR2 $holder; wait $holder
after=$(docker images -aq --no-trunc | sort)
left=$(comm -13 <(echo "$before") <(echo "$after"))
gone=$(comm -23 <(echo "$before") <(echo "$after"))
echo "left behind after teardown: ${left:-nothing}"
echo "gone that existed before: ${gone:-nothing}"
for id in $left; do docker rmi $id >/dev/null 2>&1; done
rm -rf "$state" "$out"
