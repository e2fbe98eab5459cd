#!/bin/bash
# The last test builds an image and the run ends at once: teardown starts while the socket is
# still listing the images to record what that build made. Those images must still be the run's
# (nothing left behind), and nothing else may go.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
before=$(docker images -aq --no-trunc | sort)
hold_session '{}'
ctx=$(mktemp -d); printf 'FROM %s\nRUN echo %s > /n\nRUN echo b > /b\n' "$BB" "$RANDOM$RANDOM" > "$ctx/Dockerfile"
DOCKER_HOST=unix://$sock docker build -q "$ctx" >/dev/null 2>&1; kill -USR2 $holder; wait $holder
rm -rf "$ctx"
after=$(docker images -aq --no-trunc | sort)
left=$(comm -13 <(echo "$before") <(echo "$after")); gone=$(comm -23 <(echo "$before") <(echo "$after"))
echo "teardown: $(tail -1 "$out" | cut -c1-100)"
echo "left behind: $(echo $left | wc -w) image(s); gone that existed before: $(echo $gone | wc -w)"
for id in $left; do docker rmi $id >/dev/null 2>&1; done
rm -rf "$state" "$out"
