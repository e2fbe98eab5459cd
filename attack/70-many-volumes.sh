#!/bin/bash
# A container create with N named volumes through the socket: how long the socket takes, what a
# client that gives up half-way leaves, and whether teardown removes them all.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
N=${N:-2000}
hold_session '{"images":"off"}'
body() { node -e "const n=+process.argv[1], p=process.argv[2]; console.log(JSON.stringify({Image:'$BB',Cmd:['true'],HostConfig:{Binds:Array.from({length:n},(_, i)=>p+i+':/m'+i)}}))" "$1" "$2"; }
body "$N" a3many > /tmp/a3-many.json
t0=$(date +%s%N)
curl -s -m 300 --unix-socket "$sock" -H 'Content-Type: application/json' -d @/tmp/a3-many.json -o /tmp/a3-many.out -w '%{http_code}' "http://d/v1.41/containers/create"; echo " (create with $N named volumes, $(( ($(date +%s%N)-t0)/1000000 )) ms): $(head -c 200 /tmp/a3-many.out)"
echo "volumes a3many*: $(docker volume ls -q --filter name=a3many | wc -l), labelled: $(docker volume ls -q --filter name=a3many --filter label=docker-janitor.session | wc -l)"
body "$N" a3half > /tmp/a3-half.json
curl -s -m 1 --unix-socket "$sock" -H 'Content-Type: application/json' -d @/tmp/a3-half.json -o /dev/null -w '%{http_code}' "http://d/v1.41/containers/create"; echo " (client gave up after 1 s)"
n1=$(docker volume ls -q --filter name=a3half | wc -l); sleep 3; n2=$(docker volume ls -q --filter name=a3half | wc -l)
echo "volumes a3half* at the give-up: $n1, 3 s later: $n2 (expected: no more after the client left)"
kill -USR2 $holder; wait $holder
tail -1 "$out" | node -pe 'const r=JSON.parse(require("fs").readFileSync(0)); JSON.stringify({teardownMs:r.teardownMs, incomplete:r.incomplete, warnings:r.warnings, removed:{containers:r.removed.containers.length, volumes:r.removed.volumes.length}})'
echo "left: a3many $(docker volume ls -q --filter name=a3many | wc -l), a3half $(docker volume ls -q --filter name=a3half | wc -l)"
docker volume ls -q --filter name=a3 | xargs -r docker volume rm >/dev/null
docker ps -aq --filter label=docker-janitor.session | xargs -r docker rm -f >/dev/null
rm -rf "$state" "$out" /tmp/a3-many.* /tmp/a3-half.json
