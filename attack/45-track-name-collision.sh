#!/bin/bash
# track(NAME) without a kind, as the README shows it ("a container, network or volume"): a test
# tracks its volume "pgdata" by name. The user also has a container named "pgdata" (not the
# run's). Teardown resolves the name as a container first and removes the user's container,
# with --force and its anonymous volumes; the test's volume stays.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
state=$(mktemp -d /tmp/a3-state.XXXX); out=$(mktemp)
docker run -d --name pgdata -v /var/lib/data "$BB" sleep 3000 >/dev/null
docker exec pgdata sh -c 'echo precious > /var/lib/data/f'
echo "before: the user's container pgdata $(docker inspect -f '{{.State.Status}} {{.Id}}' pgdata | cut -c1-30), anonymous volume $(docker inspect -f '{{range .Mounts}}{{.Name}}{{end}}' pgdata | cut -c1-12)"
for transport in api cli; do
  echo "   (round $transport starts with the user's container pgdata $(docker inspect -f '{{.State.Status}}' pgdata 2>&1))"
  DOCKER_JANITOR_STATE_DIR=$state node "$ATTACK_DIR/hold-session.mjs" "{\"images\":\"off\",\"socket\":false,\"docker\":{\"transport\":\"$transport\"}}" > "$out" &
  holder=$!
  for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.2; done
  dir=$(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).dir')
  # The test: its own volume, tracked by name with the documented call.
  docker volume create pgdata >/dev/null
  DOCKER_JANITOR_SESSION=$(basename "$dir") DOCKER_JANITOR_SESSION_DIR=$dir node -e 'require("'"$REPO"'/dist/session/tracking.cjs").track("pgdata")'
  kill -USR2 $holder; wait $holder
  echo "== transport $transport: teardown $(tail -1 "$out" | cut -c1-260)"
  echo "   the user's container pgdata: $(docker inspect -f '{{.State.Status}}' pgdata 2>&1)"
  echo "   the test's volume pgdata: $(docker volume inspect -f '{{.Name}}' pgdata 2>&1)"
  docker rm -f -v pgdata >/dev/null 2>&1
  docker volume rm pgdata >/dev/null 2>&1
  docker run -d --name pgdata -v /var/lib/data "$BB" sleep 3000 >/dev/null || echo "could not recreate pgdata"
done
docker rm -f -v pgdata >/dev/null 2>&1
rm -rf "$state" "$out"
