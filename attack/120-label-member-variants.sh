#!/usr/bin/env bash
# attack5/120: create bodies aimed at main's one-pass member scanner (f1bc41e: plain ASCII keys
# compared without a pass, strings skipped with indexOf): escaped quotes and backslash runs
# before the Labels member, duplicated and case-folded Labels members ending in null, an escaped
# key, the session label set to another value. Every object made must carry this session's label.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
hold_session '{"images":"off"}'
n=0
send() {
  local kind=$1 body=$2; n=$((n+1))
  local code; code=$(curl -s -m 20 --unix-socket "$sock" -H 'Content-Type: application/json' --data-binary "$body" -o /tmp/a5/120.out -w '%{http_code}' "http://d/v1.41/$kind/create?name=a5l-$n")
  local id; id=$(node -e 'try{const j=JSON.parse(require("fs").readFileSync("/tmp/a5/120.out","utf8")); console.log(j.Id||j.Name||"")}catch{console.log("")}')
  local lab=NONE
  if [ -n "$id" ]; then
    case $kind in containers) lab=$(docker inspect -f '{{index .Config.Labels "docker-janitor.session"}}' "$id");; networks) lab=$(docker network inspect -f '{{index .Labels "docker-janitor.session"}}' "$id");; volumes) lab=$(docker volume inspect -f '{{index .Labels "docker-janitor.session"}}' "$id");; esac
  fi
  local verdict=ok; [ "$code" = 201 ] && [ "$lab" != "$sid" ] && verdict=BYPASS
  printf '%-6s %-70s %s label=%s %s\n' "$verdict" "$(echo "$kind $body" | cut -c1-70)" "$code" "${lab:-NONE}" "$(head -c 100 /tmp/a5/120.out | tr -d '\n')"
}
for kind in containers networks volumes; do
  img=''; [ $kind = containers ] && img='"Image":"'$BB'","Cmd":["true"],'
  [ $kind = networks ] && img='"Name":"a5l-net",'
  send $kind '{'"$img"'"Env":["a\\\"","b\\\\"],"Labels":{"x":"1"},"labels":null}'
  send $kind '{'"$img"'"Labels":{"x":"1"},"LABELS":null}'
  send $kind '{'"$img"'"Labels":{"x":"1"},"Labelſ":null}'
  send $kind '{'"$img"'"\u004cabels":null}'
  send $kind '{'"$img"'"Labels":{"docker-janitor.session":"someone-else"}}'
  send $kind '{'"$img"'"Labels":{"docker-janitor.session":"someone-else","docker-janitor.sessio\u006e":"x"}}'
  send $kind '{'"$img"'"X":"\\\\\\\"Labels\":null","Labels":{}}'
  send $kind '{'"$img"'"Labels":{},"X":{"Labels":null},"labels":{"y":"2"}}'
  send $kind '{'"$img"'"La_bels":null,"Lab-els":null}'
done
kill -USR2 "$holder"; wait "$holder"
echo "teardown: $(tail -1 "$out" | cut -c1-200)"
echo "left named a5l-: $(docker ps -aq --filter name=a5l- | wc -l) containers, $(docker network ls -q --filter name=a5l- | wc -l) networks, $(docker volume ls -q --filter name=a5l- | wc -l) volumes"
rm -rf "$state" "$out"
