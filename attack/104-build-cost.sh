#!/bin/bash
# What the listing before each build costs: the same cached build (every step from the cache)
# through a session socket of this branch and of another build (MAIN_DIST, default /tmp/a4-main/dist:
#   mkdir /tmp/a4-main && git archive main | tar -x -C /tmp/a4-main && cd /tmp/a4-main &&
#   ln -s $REPO/node_modules . && npx tsc -p tsconfig.build.json),
# interleaved, N rounds; medians in ms. Also the listing itself, direct (curl, its start included).
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
MAIN_DIST=${MAIN_DIST:-/tmp/a4-main/dist}
hold_main=$(mktemp --suffix=.mjs)
sed "s|'../dist/index.js'|'$MAIN_DIST/index.js'|" "$ATTACK_DIR/hold-session.mjs" > "$hold_main"
N=${N:-15}
ctx=$(mktemp -d); printf 'FROM %s\nRUN echo cost > /cost\n' "$BB" > "$ctx/Dockerfile"
# CTX_MB: a context of that many MB (random bytes) besides the Dockerfile; Q=0: builds not quiet.
[ "${CTX_MB:-0}" -gt 0 ] && head -c $((CTX_MB * 1024 * 1024)) /dev/urandom > "$ctx/blob"
QFLAG=-q; [ "${Q:-1}" = 0 ] && QFLAG=
open_one() { # $1 = holder script; sets sock_X, holder_X via name $2
  local st; st=$(mktemp -d /tmp/a3-state.XXXX); local o; o=$(mktemp)
  DOCKER_JANITOR_STATE_DIR=$st node "$1" '{"images":"off"}' > "$o" &
  local h=$!
  for _ in $(seq 50); do [ -s "$o" ] && break; sleep 0.2; done
  eval "holder_$2=$h; state_$2=$st; out_$2=$o; sock_$2=$(head -1 "$o" | node -pe 'JSON.parse(require("fs").readFileSync(0)).socket')"
}
open_one "$ATTACK_DIR/hold-session.mjs" branch
open_one "$hold_main" main
ms() { local s e; s=$(date +%s%N); DOCKER_HOST=unix://$1 docker build $QFLAG "$ctx" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
ms "$sock_branch" >/dev/null; ms "$sock_main" >/dev/null
b=(); m=(); l=()
for i in $(seq $N); do
  b+=($(ms "$sock_branch")); m+=($(ms "$sock_main"))
  s=$(date +%s%N); curl -s --unix-socket "$ENG/docker.sock" 'http://d/images/json?all=1' >/dev/null; e=$(date +%s%N); l+=($(( (e - s) / 100000 )))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "images on the engine: $(docker images -aq | wc -l); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "cached build through the socket, median of $N: branch $(median "${b[@]}") ms, main $(median "${m[@]}") ms"
echo "GET /images/json?all=1 direct (curl), median: $(median "${l[@]}") x0.1 ms"
kill -USR2 $holder_branch $holder_main; wait $holder_branch $holder_main 2>/dev/null
# images: off in both sessions: their builds stay; removed here.
docker images -q --filter dangling=true --filter label=docker-janitor.build-session | xargs -r docker rmi >/dev/null 2>&1
rm -rf "$ctx" "$hold_main" "$state_branch" "$state_main" "$out_branch" "$out_main"
