#!/usr/bin/env bash
# attack5/114: foreign containers (another terminal, straight to the engine) that join the
# namespaces of one of the run's containers: --pid container:, --ipc container: (the run's
# container made with --ipc shareable), --network container:. Teardown force-removes the run's
# container. What happens to each foreign container?
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
hold_session '{}'
DOCKER_HOST=$T docker run -d --name a5n-s1 --ipc shareable $BB sleep 600 >/dev/null
docker run -d --name a5n-pid --pid container:a5n-s1 $BB sleep 600 >/dev/null
docker run -d --name a5n-ipc --ipc container:a5n-s1 $BB sleep 600 >/dev/null
docker run -d --name a5n-net --network container:a5n-s1 $BB sleep 600 >/dev/null
sleep 0.5
for c in a5n-pid a5n-ipc a5n-net; do echo "before: $c $(docker inspect -f '{{.State.Status}}' $c)"; done
kill -USR2 "$holder"; wait "$holder"
echo "teardown: $(tail -1 "$out" | cut -c1-300)"
sleep 1
for c in a5n-pid a5n-ipc a5n-net; do echo "after: $c $(docker inspect -f '{{.State.Status}} exit={{.State.ExitCode}} {{.State.Error}}' $c)"; done
echo "a5n-net interfaces: $(docker exec a5n-net ip -o link 2>&1 | awk '{print $2}' | tr '\n' ' ')"
docker rm -f a5n-pid a5n-ipc a5n-net >/dev/null 2>&1
rm -rf "$state" "$out"
