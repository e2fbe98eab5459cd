#!/usr/bin/env bash
# attack5/108: another terminal commits a container the tests made through the session socket
# (straight to the engine, not through the socket), then runs its own container from that image.
# dockerd copies the container's labels into the committed image, and an image's labels into
# every container made from it: the user's container carries docker-janitor.session=<id>.
# Does teardown remove the user's container (force, v=1) and the user's committed image?
# main 63ca8e7: both GONE. attack5: both still there, with one 'Left container' warning.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
hold_session '{}'
echo "session: $(head -1 "$out" | cut -c1-160)"
DOCKER_HOST=$T docker run -d --name a5-test-ctr $BB sleep 600 >/dev/null
# another terminal, straight to the engine
docker commit a5-test-ctr >/tmp/a5/108-img   # untagged: a dangling image of the user
docker commit a5-test-ctr a5-user/snap:keep >/dev/null
img=$(cat /tmp/a5/108-img)
echo "committed (untagged) image labels: $(docker image inspect -f '{{json .Config.Labels}}' "$img")"
docker run -d --name a5-user-ctr -v /data a5-user/snap:keep sleep 600 >/dev/null
docker exec a5-user-ctr sh -c 'echo precious > /data/file'
echo "user's container labels: $(docker inspect -f '{{json .Config.Labels}}' a5-user-ctr)"
kill -USR2 "$holder"; wait "$holder"
echo "teardown: $(tail -1 "$out" | cut -c1-400)"
echo "user's container after teardown: $(docker inspect -f '{{.State.Status}}' a5-user-ctr 2>/dev/null || echo GONE)"
echo "its file: $(docker exec a5-user-ctr cat /data/file 2>/dev/null || echo GONE)"
echo "user's untagged commit after teardown: $(docker image inspect "$img" >/dev/null 2>&1 && echo still there || echo GONE)"
docker rm -f a5-user-ctr >/dev/null 2>&1; docker rmi a5-user/snap:keep "$img" >/dev/null 2>&1
rm -rf "$state" "$out"
