#!/bin/bash
# A create pipelined behind a slow request (a stop that takes 3 s) on one connection. The socket
# takes the first answer byte after the create went up as the create's answer. When teardown
# closes the socket while the stop is pending, or just after its answer, the engine still makes
# the container after the listing.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
for at in ${AT:-1.0 3.3}; do
  state=$(mktemp -d /tmp/a3-state.XXXX); out=$(mktemp)
  DOCKER_JANITOR_STATE_DIR=$state node "$ATTACK_DIR/hold-session.mjs" '{"images":"off"}' > "$out" &
  holder=$!
  for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.2; done
  sock=$(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).socket')
  slow=$(DOCKER_HOST=unix://$sock docker run -d "$BB" sleep 300)   # pid 1 ignores SIGTERM: stop?t=3 takes 3 s
  /usr/bin/python3 "$ATTACK_DIR/pipeline.py" "$sock" "$slow" "$BB" 8 > /tmp/a3-pipe.out &
  client=$!
  sleep "$at"
  kill -USR2 $holder; wait $holder
  wait $client
  echo "== teardown at ${at}s: $(tail -1 "$out" | cut -c1-330)"
  sed 's/^/   client: /' /tmp/a3-pipe.out
  sleep 1
  echo "   left on the engine after teardown: $(docker ps -a --filter label=a3=pipelined --format '{{.ID}} {{.Status}} session={{.Label "docker-janitor.session"}}')"
  echo "   session records: $(ls $state/sessions | wc -l)"
  docker ps -aq --filter label=docker-janitor.session | xargs -r docker rm -f >/dev/null
  rm -rf "$state" "$out" /tmp/a3-pipe.out
done
