#!/bin/bash
# The tests build a tagged image through the session socket, so the image carries the session
# label. Containers inherit their image's labels: a container the user starts from that image in
# another terminal (not through the socket, not the run's) carries the session label too, and
# teardown removes it (forced, with its anonymous volumes).
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
hold_session '{}'
ctx=$(mktemp -d); printf 'FROM %s\nVOLUME /data\nCMD ["sleep","3000"]\n' "$BB" > "$ctx/Dockerfile"
DOCKER_HOST=unix://$sock docker build -q -t a3app:dev "$ctx" >/dev/null 2>&1; rm -rf "$ctx"
echo "the tests built a3app:dev: labels $(docker image inspect -f '{{json .Config.Labels}}' a3app:dev)"
# The user, in another terminal, straight to the engine:
docker run -d --name a3-userdb a3app:dev >/dev/null
docker exec a3-userdb sh -c 'echo precious > /data/f'
echo "the user's container a3-userdb (not through the socket): labels $(docker inspect -f '{{json .Config.Labels}}' a3-userdb)"
kill -USR2 $holder; wait $holder
echo "teardown: $(tail -1 "$out" | cut -c1-200)"
echo "the user's container after teardown: $(docker inspect -f '{{.State.Status}}' a3-userdb 2>&1 | head -1)"
docker rm -f -v a3-userdb >/dev/null 2>&1; docker rmi a3app:dev >/dev/null 2>&1
rm -rf "$state" "$out"
