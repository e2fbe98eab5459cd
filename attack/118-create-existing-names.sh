#!/usr/bin/env bash
# attack5/118: through the session socket, `docker volume create NAME` (and a raw create with
# Labels and DriverOpts) of a volume another terminal made before, holding data; a network create
# with a foreign network's name (CheckDuplicate false, as the API allows); a container create
# whose name is taken by a foreign container. Teardown must leave every foreign object.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
docker volume create a5e-vol >/dev/null
docker run --rm -v a5e-vol:/d $BB sh -c 'echo precious > /d/f'
docker network create a5e-net >/dev/null
foreign_net=$(docker network inspect -f '{{.Id}}' a5e-net)
docker run -d --name a5e-ctr $BB sleep 600 >/dev/null
hold_session '{}'
echo "volume create through the socket: $(DOCKER_HOST=$T docker volume create a5e-vol) labels now: $(docker volume inspect -f '{{json .Labels}}' a5e-vol)"
echo "raw volume create with labels/opts: $(curl -s --unix-socket "$sock" -XPOST -H 'Content-Type: application/json' -d '{"Name":"a5e-vol","Labels":{"x":"y"},"DriverOpts":{"type":"tmpfs","device":"tmpfs"}}' http://d/v1.41/volumes/create | cut -c1-200)"
echo "network create, CheckDuplicate false: $(curl -s --unix-socket "$sock" -XPOST -H 'Content-Type: application/json' -d '{"Name":"a5e-net","CheckDuplicate":false}' http://d/v1.41/networks/create)"
echo "container create with a taken name: $(DOCKER_HOST=$T docker create --name a5e-ctr $BB true 2>&1 | cut -c1-150)"
DOCKER_HOST=$T docker run -d -v a5e-vol:/d $BB sleep 600 >/dev/null
kill -USR2 "$holder"; wait "$holder"
echo "teardown: $(tail -1 "$out" | cut -c1-500)"
echo "foreign volume: $(docker run --rm -v a5e-vol:/d $BB cat /d/f 2>&1) labels $(docker volume inspect -f '{{json .Labels}}' a5e-vol)"
echo "foreign network: $(docker network inspect -f '{{.Id}}' "$foreign_net" 2>&1 | cut -c1-12); networks named a5e-net: $(docker network ls -q --filter name=a5e-net | wc -l)"
echo "foreign container: $(docker inspect -f '{{.State.Status}}' a5e-ctr)"
docker rm -f a5e-ctr >/dev/null; docker network rm "$foreign_net" >/dev/null; docker volume rm a5e-vol >/dev/null
rm -rf "$state" "$out"
