#!/bin/bash
# The runner is SIGKILLed N ms after setup returned, while its first container create (sent at
# once through the session socket) may still be in flight and while the watchdog may still be
# loading its engine modules (they load only after it serves). Expected for every N: the
# watchdog notices, closes the socket, removes the container, and removes the session record.
: "${ATTACK_ENG:=/tmp/a6-eng}" "${ATTACK_POOL:=10.226.0.0/16}"; export ATTACK_ENG ATTACK_POOL
source "$(dirname "$0")/lib.sh"
engine_up || exit 1
a6_clean
for n in ${DELAYS:-0 5 20 50 80 120 200 400}; do
  A6_CREATE=1 A6_KILL_AFTER_MS=$n a6_hold '{"images":"off"}'
  wait $holder 2>/dev/null
  sleep ${SETTLE:-4}
  made=$(a6_made); log=$(cat "$sdir/watchdog.log" 2>/dev/null | sed 's/^[^ ]* //' | tr '\n' '|' | cut -c1-300)
  echo "kill at ${n} ms: create answer: $(sed -n 2p $out | cut -c1-60); containers left: $made; record left: $([ -d "$sdir" ] && echo yes || echo no); watchdog alive: $(ps -o stat= -p $wdpid 2>/dev/null | grep -qv Z && echo yes || echo "no (gone or a zombie)"); log: $log"
  a6_clean; rm -rf "$state" "$out" "$out.err"
done
