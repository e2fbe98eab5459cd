#!/bin/bash
# Images made through the socket by other calls than build: docker commit (untagged), docker
# import and docker load of an untagged image. Do they carry the session label, and does
# teardown (images: before-and-own, the default) remove them?
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
state=$(mktemp -d /tmp/a3-state.XXXX); out=$(mktemp)
docker save "$BB" -o /tmp/a3-bb.tar
DOCKER_JANITOR_STATE_DIR=$state node "$ATTACK_DIR/hold-session.mjs" '{}' > "$out" &
holder=$!
for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.2; done
sock=$(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).socket')
(
  export DOCKER_HOST=unix://$sock
  c=$(docker run -d "$BB" sh -c 'echo x > /f; sleep 300')
  sleep 0.5
  img=$(docker commit "$c"); echo "commit: $img labels=$(docker image inspect -f '{{json .Config.Labels}}' $img)"
  docker rm -f "$c" >/dev/null
  img2=$(docker export $(docker create "$BB" true) | docker import -); echo "import: $img2 labels=$(docker image inspect -f '{{json .Config.Labels}}' $img2)"
)
sleep 0.5
kill -USR2 $holder; wait $holder
tail -1 "$out" | cut -c1-300
echo "dangling images left after teardown:"; docker images -q --no-trunc --filter dangling=true | while read -r i; do echo "  $i labels=$(docker image inspect -f '{{json .Config.Labels}}' $i)"; done
docker images -q --filter dangling=true | xargs -r docker rmi >/dev/null
rm -rf "$state" "$out" /tmp/a3-bb.tar
