#!/bin/bash
# Images inherit their base image's labels too. The user (another terminal, not through the
# socket) builds FROM an image the tests built through the socket: the user's untagged image
# carries the session label, and teardown (before-and-own) takes it as the run's own.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
hold_session '{}'
ctx=$(mktemp -d); printf 'FROM %s\nRUN echo base > /base\n' "$BB" > "$ctx/Dockerfile"
DOCKER_HOST=unix://$sock docker build -q -t a3base:dev "$ctx" >/dev/null 2>&1
printf 'FROM a3base:dev\nRUN echo mine > /mine\n' > "$ctx/Dockerfile"
mine=$(docker build -q "$ctx" 2>/dev/null); rm -rf "$ctx"
echo "the user's own build FROM a3base:dev (untagged, not through the socket): $mine labels $(docker image inspect -f '{{json .Config.Labels}}' $mine)"
kill -USR2 $holder; wait $holder
echo "teardown: $(tail -1 "$out" | cut -c1-120)"
if docker image inspect "$mine" >/dev/null 2>&1; then echo "the user's image after teardown: still there"; else echo "the user's image after teardown: GONE ($(docker image inspect $mine 2>&1 | head -1))"; fi
docker rmi $mine a3base:dev >/dev/null 2>&1
rm -rf "$state" "$out"
