#!/usr/bin/env bash
# attack5/109: foreign containers (another terminal, straight to the engine) that lean on the
# run's objects at teardown:
#   - a-conn:  `docker network connect <session network>` after it was created;
#   - a-ns:    `--network container:<session container>` (shares its network namespace);
#   - a-vf:    `--volumes-from <session container>` (its anonymous volume and a session volume);
#   - a-vol:   `-v <session volume>:/v` (the run's named volume).
# Teardown must not disconnect, stop or remove any of them, nor their data.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
hold_session '{}'
DOCKER_HOST=$T docker network create a5-net >/dev/null
DOCKER_HOST=$T docker volume create a5-vol >/dev/null
DOCKER_HOST=$T docker run -d --name a5-s1 --network a5-net -v /anon -v a5-vol:/named $BB sleep 600 >/dev/null
docker run -d --name a5-conn $BB sleep 600 >/dev/null
docker network connect a5-net a5-conn
docker run -d --name a5-ns --network container:a5-s1 $BB sleep 600 >/dev/null
docker run -d --name a5-vf --volumes-from a5-s1 $BB sleep 600 >/dev/null
docker exec a5-vf sh -c 'echo precious > /anon/f; echo precious > /named/f'
docker run -d --name a5-vol -v a5-vol:/v $BB sleep 600 >/dev/null
kill -USR2 "$holder"; wait "$holder"
echo "teardown: $(tail -1 "$out" | cut -c1-600)"
for c in a5-conn a5-ns a5-vf a5-vol; do
  echo "$c: $(docker inspect -f '{{.State.Status}} restarts={{.RestartCount}} nets={{json .NetworkSettings.Networks}}' $c 2>&1 | cut -c1-200)"
done
echo "a5-vf's files: $(docker exec a5-vf cat /anon/f /named/f 2>&1 | tr '\n' ' ')"
echo "a5-ns's network: $(docker exec a5-ns ip -o addr 2>&1 | awk '{print $2,$4}' | tr '\n' ' ')"
echo "a5-net: $(docker network inspect -f '{{.Name}} containers={{len .Containers}}' a5-net 2>&1)"
echo "session dir: $(ls "$state/sessions" 2>&1)"
docker rm -f a5-conn a5-ns a5-vf a5-vol >/dev/null 2>&1
# the session was kept (incomplete): a sweep of it removes what is left of the run's
echo "sweep: $(DOCKER_JANITOR_STATE_DIR=$state node "$REPO/dist/cli/bin.js" sweep --session "$(ls "$state/sessions" | head -1)" 2>&1 | tail -1)"
docker volume prune -f >/dev/null
rm -rf "$state" "$out"
