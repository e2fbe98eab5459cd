#!/bin/bash
# Container create bodies that spell the volume members unusually, sent raw to the session
# socket: is every named volume dockerd creates labelled (or the create refused)?
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
hold_session '{"images":"off"}'
send() {
  local name=$1 body=$2
  local code; code=$(curl -s -m 20 --unix-socket "$sock" -H 'Content-Type: application/json' --data-binary "$body" -o /tmp/a3-v.out -w '%{http_code}' "http://d/v1.41/containers/create")
  local vol; vol=$(docker volume ls -q --filter name="^$name\$")
  local lab=""; [ -n "$vol" ] && lab=$(docker volume inspect -f '{{index .Labels "docker-janitor.session"}}' "$vol")
  printf '%-58s %s  volume:%s label:%s  %s\n' "$(echo "$body" | cut -c1-58)" "$code" "${vol:-none}" "${lab:-NONE}" "$(head -c 120 /tmp/a3-v.out | tr -d '\n')"
}
send esc1 '{"Image":"'$BB'","HostConfig":{"Bind\u0073":["esc1:/d"]}}'
send esc2 '{"Image":"'$BB'","H\u006fstConfig":{"Binds":["esc2:/d"]}}'
send esc3 '{"Image":"'$BB'","HostConfig":{"Mounts":[{"Typ\u0065":"volume","Source":"esc3","Target":"/d"}]}}'
send esc4 '{"Image":"'$BB'","HostConfig":{"Mounts":[{"Type":"volum\u0065","S\u006furce":"esc4","Target":"/d"}]}}'
send esc5 '{"Image":"'$BB'","HostConfig":{"Binds":["\u0065sc5:/d"]}}'
send fold1 '{"Image":"'$BB'","hostconfig":{"binds":["fold1:/d"]}}'
send fold2 '{"Image":"'$BB'","HostConfig":{"mounts":[{"type":"volume","source":"fold2","target":"/d"}]}}'
send kelvin '{"Image":"'$BB'","HostConfig":{"Mounts":[{"Type":"volume","Source":"kelvin","Target":"/d","VolumeOptions":{"Labels":{"a":"b"}}}]}}'
send dupb '{"Image":"'$BB'","HostConfig":{"Binds":["dupb:/d"],"Binds":["dupb2:/e"]}}'
send nullhc '{"Image":"'$BB'","HostConfig":null,"HostConfig":{"Binds":["nullhc:/d"]}}'
send ws '{"Image":"'$BB'", "HostConfig" : { "Binds" : [ "ws:/d" ] } }'
send mode4 '{"Image":"'$BB'","HostConfig":{"Binds":["mode4:/d:ro:z"]}}'
send vfrom '{"Image":"'$BB'","HostConfig":{"Binds":["vfrom:/d:nocopy"]}}'
kill -USR2 $holder; wait $holder
echo "after teardown, volumes left: $(docker volume ls -q | tr '\n' ' ')"
docker volume ls -q | xargs -r docker volume rm >/dev/null 2>&1
docker ps -aq --filter label=docker-janitor.session | xargs -r docker rm -f >/dev/null
rm -rf "$state" "$out" /tmp/a3-v.out
