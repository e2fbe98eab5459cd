#!/usr/bin/env bash
# attack5/119: renames from another terminal mid-run.
#  A. The tests' container `a5r-db` (through the socket) is renamed by someone to `a5r-old`, and
#     their own container is renamed to `a5r-db`. Teardown works by ID: theirs must stay.
#  B. The same, with the tests having called track('a5r-db2', 'container') (a name, kind given,
#     as the README shows for track by name). Teardown resolves the name then.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
hold_session '{}'
dir=$(held dir)
DOCKER_HOST=$T docker run -d --name a5r-db $BB sleep 600 >/dev/null
docker run -d --name a5r-theirs $BB sleep 600 >/dev/null
docker rename a5r-db a5r-old; docker rename a5r-theirs a5r-db
# B: a container the tests made outside the socket (a global setup, say) and tracked by name
docker run -d --name a5r-db2 $BB sleep 600 >/dev/null
DOCKER_JANITOR_SESSION=$sid DOCKER_JANITOR_SESSION_DIR=$dir node -e "require('$REPO/dist/session/tracking.cjs').track('a5r-db2', 'container')"
docker rm -f a5r-db2 >/dev/null     # the tests remove it themselves
docker run -d --name a5r-db2 -v /data $BB sleep 600 >/dev/null   # someone else takes the name
docker exec a5r-db2 sh -c 'echo precious > /data/f'
kill -USR2 "$holder"; wait "$holder"
echo "teardown: $(tail -1 "$out" | cut -c1-300)"
echo "A: theirs (now a5r-db): $(docker inspect -f '{{.State.Status}}' a5r-db 2>/dev/null || echo GONE); the run's (a5r-old): $(docker inspect -f '{{.State.Status}}' a5r-old 2>/dev/null || echo GONE)"
echo "B: the new a5r-db2 (someone else's): $(docker inspect -f '{{.State.Status}}' a5r-db2 2>/dev/null || echo GONE)"
docker rm -f -v a5r-db a5r-db2 a5r-old >/dev/null 2>&1
rm -rf "$state" "$out"
