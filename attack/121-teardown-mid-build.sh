#!/usr/bin/env bash
# attack5/121: teardown while a build through the session socket is in a step (RUN sleep 3,
# after a finished RUN step); then the same with dockerd SIGKILLed mid-build (KILL=1) and started
# again. What is left on the engine (images, containers), and is anything foreign touched (an
# untagged image and a container another terminal made during the run)?
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
KILL=${KILL:-0}
ctx=$(mktemp -d /tmp/a5-ctx.XXXX)
printf 'FROM %s\nRUN echo one > /one\nRUN sleep 3\nRUN echo three > /three\n' "$BB" > "$ctx/Dockerfile"
imgs_before=$(docker images -aq --no-trunc | sort -u)
hold_session '{}'
theirs=$(printf 'FROM %s\nRUN echo theirs > /t\n' "$BB" | docker build -q - 2>/dev/null)
docker run -d --name a5b-foreign "$BB" sleep 600 >/dev/null
(DOCKER_HOST=$T docker build -q "$ctx" > /tmp/a5/121-build 2>&1; echo "build exit $?" >> /tmp/a5/121-build) &
b=$!
sleep 1.5
if [ "$KILL" = 1 ]; then p=$(engine_pid); kill -9 "$p"; while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; rm -f "$ENG/docker.pid"; DJ_TEST_ENGINE_ADDRESS_POOL=${ATTACK_POOL:-10.223.0.0/16} "$REPO/scripts/test-engine.sh" start "$ENG" >/dev/null; fi
kill -USR2 "$holder"; wait "$holder"
echo "teardown: $(tail -1 "$out" | cut -c1-300)"
wait "$b"; echo "build client: $(tr '\n' ' ' < /tmp/a5/121-build | cut -c1-200)"
sleep 4
new=$(comm -13 <(echo "$imgs_before") <(docker images -aq --no-trunc | sort -u) | grep -v "$theirs")
echo "images made during the run left (not theirs): $(echo "$new" | grep -c sha256)"
for i in $new; do echo "  $i parent=$(docker image inspect -f '{{.Parent}}' $i | cut -c1-19) labels=$(docker image inspect -f '{{json .Config.Labels}}' $i)"; done
echo "containers left (not foreign): $(docker ps -aq --filter 'status=created' --filter 'status=exited' | wc -l) $(docker ps -a --format '{{.Names}} {{.Status}}' | grep -v a5b-foreign | head -3)"
echo "theirs: $(docker image inspect "$theirs" >/dev/null 2>&1 && echo still there || echo GONE); foreign container: $(docker inspect -f '{{.State.Status}}' a5b-foreign)"
docker rm -f a5b-foreign >/dev/null; docker rmi "$theirs" >/dev/null 2>&1
rm -rf "$ctx" "$state" "$out"
