#!/bin/bash
# A quiet build's second listing (taken once its context arrived, the context's last 64 KiB held
# back from the engine until then) must come before the build's first step: an image of the
# build's own in that listing would not be recorded, and would stay behind after teardown. N
# quiet builds of a tiny context whose steps are all new and quick (LABEL, ENV: a container
# create and a commit each, no RUN), through the socket; then teardown. Anything left?
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
N=${N:-10}
before=$(docker images -aq --no-trunc | sort)
hold_session '{}'
ctx=$(mktemp -d)
for i in $(seq "$N"); do
  printf 'FROM %s\nLABEL own=%s\nENV OWN=%s\n' "$BB" "$RANDOM$RANDOM$i" "$i" > "$ctx/Dockerfile"
  DOCKER_HOST=unix://$sock docker build -q "$ctx" >/dev/null 2>&1 || echo "build $i failed"
done
rm -rf "$ctx"
sleep 0.5
made=$(cat $(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).dir')/images-made.txt | wc -l)
kill -USR2 $holder; wait $holder
left=$(comm -13 <(echo "$before") <(docker images -aq --no-trunc | sort))
echo "$N quiet builds, $made images recorded; left after teardown: $(echo -n "$left" | grep -c .)"
echo "$left" | xargs -r docker rmi >/dev/null 2>&1
rm -rf "$state" "$out"
