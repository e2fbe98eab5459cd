#!/bin/bash
# Teardown while the socket is creating the named volumes of one container create (N of them).
# Expected: the socket stops creating at the close, and nothing is left after teardown.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
N=${N:-3000}
hold_session '{"images":"off"}'
node -e "const n=+process.argv[1]; console.log(JSON.stringify({Image:'$BB',Cmd:['true'],HostConfig:{Binds:Array.from({length:n},(_, i)=>'a3td'+i+':/m'+i)}}))" "$N" > /tmp/a3-td.json
curl -s -m 120 --unix-socket "$sock" -H 'Content-Type: application/json' -d @/tmp/a3-td.json -o /tmp/a3-td.out -w '%{http_code}\n' "http://d/v1.41/containers/create" > /tmp/a3-td.code &
curlpid=$!
sleep 1.5
echo "volumes when teardown starts: $(docker volume ls -q --filter name=a3td | wc -l)"
kill -USR2 $holder; wait $holder
tail -1 "$out" | node -pe 'const r=JSON.parse(require("fs").readFileSync(0)); JSON.stringify({teardownMs:r.teardownMs, incomplete:r.incomplete, warnings:r.warnings, removed:{containers:r.removed.containers.length, volumes:r.removed.volumes.length}})'
wait $curlpid; echo "the client got: $(cat /tmp/a3-td.code) $(head -c 150 /tmp/a3-td.out)"
sleep 2
echo "left after teardown: volumes $(docker volume ls -q --filter name=a3td | wc -l), session containers $(docker ps -aq --filter label=docker-janitor.session | wc -l); session records: $(ls $state/sessions | wc -l)"
docker volume ls -q --filter name=a3td | xargs -r docker volume rm >/dev/null
docker ps -aq --filter label=docker-janitor.session | xargs -r docker rm -f >/dev/null
rm -rf "$state" "$out" /tmp/a3-td.*
