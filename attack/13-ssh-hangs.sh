#!/bin/bash
# ssh:// engine whose ssh never connects (stand-in mode hang, SIGTERM ignored). A client's request
# through the socket waits; teardown (docker.timeoutMs 3000) must not hang on it, and no ssh
# process may be left.
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
export FAKE_SSH_ENGINE=$DOCKER_HOST FAKE_SSH_LOG=/tmp/attack3-relay-ssh.log
state=$(mktemp -d /tmp/a3-state.XXXX); out=$(mktemp)
PATH="$ATTACK_DIR/relaybin:$PATH" FAKE_SSH_MODE=hang DOCKER_HOST=ssh://me@fakehost DOCKER_JANITOR_STATE_DIR=$state \
  node "$ATTACK_DIR/hold-session.mjs" '{"images":"off","docker":{"timeoutMs":3000}}' > "$out" &
holder=$!
for _ in $(seq 50); do [ -s "$out" ] && break; sleep 0.2; done
sock=$(head -1 "$out" | node -pe 'JSON.parse(require("fs").readFileSync(0)).socket')
DOCKER_HOST=unix://$sock timeout 30 docker run -d "$BB" true > /tmp/a3-hang.out 2>&1 &
client=$!
sleep 2
echo "ssh stand-ins (hanging) before teardown: $(pgrep -fc 'relaybin/ssh')"
t0=$(date +%s%N)
kill -USR2 $holder; wait $holder
echo "teardown took $(( ($(date +%s%N)-t0)/1000000 )) ms: $(tail -1 "$out" | cut -c1-330)"
wait $client; echo "the client: $(head -c 200 /tmp/a3-hang.out)"
sleep ${WAIT:-3}
echo "ssh stand-ins left ${WAIT:-3} s later: $(pgrep -fc 'relaybin/ssh'); watchdog left: $(pgrep -fc "watchdog/main.cjs.*$state")"
ps -o pid,ppid,pgid,etimes,args -p "$(pgrep -d, -f relaybin/ssh)" 2>/dev/null | sed "s/^/   /"
for p in $(pgrep -f relaybin/ssh); do kill -9 $p; done
rm -rf "$state" "$out" /tmp/a3-hang.out
