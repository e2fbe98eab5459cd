#!/bin/bash
# A test removes its own container without --volumes (docker rm -f, docker-py's remove(),
# dockerode's remove() default to v=false): the container's anonymous volumes stay, without the
# session label, and teardown never sees them.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
state=$(mktemp -d /tmp/a3-state.XXXX); out=$(mktemp)
before=$(docker volume ls -q | sort)
DOCKER_JANITOR_STATE_DIR=$state node "$ATTACK_DIR/hold-session.mjs" '{"images":"off"}' > "$out" &
holder=$!
for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.2; done
sock=$(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).socket')
export DOCKER_HOST=unix://$sock
c1=$(docker run -d -v /data "$BB" sleep 300)
c2=$(docker run -d --mount type=volume,dst=/data2 "$BB" sleep 300)
c3=$(docker create "$BB" true)   # control: removed by teardown with v=1
docker rm -f "$c1" "$c2" >/dev/null && echo "the test removed its two containers with docker rm -f (no -v)"
source "$(dirname "$0")/lib.sh"   # back to the engine itself
kill -USR2 $holder; wait $holder
echo "teardown: $(tail -1 "$out")"
echo "volumes on the engine that were not there before the session:"
comm -13 <(echo "$before") <(docker volume ls -q | sort) | while read -r v; do echo "  $v labels=$(docker volume inspect -f '{{json .Labels}}' "$v")"; done
echo "session records left: $(ls $state/sessions | wc -l)"
comm -13 <(echo "$before") <(docker volume ls -q | sort) | xargs -r docker volume rm >/dev/null
rm -rf "$state" "$out"
