#!/usr/bin/env bash
# attack5/110: docker-compose 1.29 through the session socket with `external: true` volume and
# network that existed before the run (made by the user straight on the engine, holding data),
# plus a second project of the user's own started from another terminal on the same external
# objects. Teardown must remove the run's containers and its default network only; the external
# volume (with its data), the external network and the user's project stay.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
docker volume create a5-ext-vol >/dev/null
docker network create a5-ext-net >/dev/null
docker run --rm -v a5-ext-vol:/d $BB sh -c 'echo precious > /d/f'
proj=$(mktemp -d /tmp/a5-compose.XXXX)
cat > "$proj/docker-compose.yml" <<YML
version: "3.7"
services:
  app:
    image: $BB
    command: ["sleep", "600"]
    volumes: ["a5-ext-vol:/d", "own:/o"]
    networks: [a5-ext-net, default]
volumes:
  a5-ext-vol: { external: true }
  own: {}
networks:
  a5-ext-net: { external: true }
YML
hold_session '{}'
(cd "$proj" && DOCKER_HOST=$T docker-compose -p a5run up -d 2>&1 | tail -2)
# the user's own project on the same externals, straight to the engine
(cd "$proj" && docker-compose -p a5user up -d 2>&1 | tail -1)
echo "labels on ext vol: $(docker volume inspect -f '{{json .Labels}}' a5-ext-vol)"
kill -USR2 "$holder"; wait "$holder"
echo "teardown: $(tail -1 "$out" | cut -c1-500)"
echo "ext vol: $(docker run --rm -v a5-ext-vol:/d $BB cat /d/f 2>&1)"
echo "ext net: $(docker network inspect -f '{{.Name}}' a5-ext-net 2>&1)"
echo "user's project: $(docker ps --filter label=com.docker.compose.project=a5user --format '{{.Names}} {{.Status}}')"
echo "user's own volume: $(docker volume ls -q --filter name=a5user_own)"
echo "run's leftovers: $(docker ps -a --filter label=com.docker.compose.project=a5run -q) $(docker volume ls -q --filter name=a5run_) $(docker network ls -q --filter name=a5run_)"
(cd "$proj" && docker-compose -p a5user down -v >/dev/null 2>&1)
docker volume rm a5-ext-vol >/dev/null; docker network rm a5-ext-net >/dev/null
rm -rf "$proj" "$state" "$out"
