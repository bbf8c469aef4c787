#!/usr/bin/env bash
# Load test of the local gateway: builds it in release, starts it in memory on a
# free loopback port, drives mixed traffic at saturation, checks the invariants
# and measures the authorizer's cost (local-gateway/examples/load.rs).
#
#   scripts/load-test.sh
#
# Knobs (environment): LOAD_SECONDS (90), LOAD_CONCURRENCY (48), LOAD_USERS (16),
# LOAD_MAX_REQUESTS (2000000), AUTH_SECONDS (40), AUTH_CONCURRENCY (8),
# AUTH_ROUNDS (5), SKIP_BUILD=1 (reuse target/release). Exits non-zero if an
# invariant fails. Not part of CI: it needs minutes and a quiet-ish machine.
# Traffic goes only to 127.0.0.1; every loop stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${SKIP_BUILD:-}" ]]; then
  cargo build --release -p local-gateway --bin local-gateway --example load
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
# A fresh secret per run: nothing is written to .local/, and the driver can mint
# tokens to measure authorizer cache misses.
JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export JWT_SECRET
work=$(mktemp -d)
gateway_log="$work/gateway.log"

PORT=$port target/release/local-gateway --in-memory --no-web >"$gateway_log" 2>&1 &
gateway=$!
sampler=""
cleanup() {
  [[ -n "$sampler" ]] && kill "$sampler" 2>/dev/null || true
  kill "$gateway" 2>/dev/null || true
  wait "$gateway" 2>/dev/null || true
}
trap cleanup EXIT

echo "gateway pid $gateway on $url (log: $gateway_log)"
for _ in $(seq 1 240); do
  if curl -sf "$url/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$gateway" 2>/dev/null; then echo "the gateway died:"; cat "$gateway_log"; exit 1; fi
  sleep 0.5
done
curl -sf "$url/health" >/dev/null || { echo "the gateway did not become healthy"; exit 1; }

# The 1-minute load average every 5 s, for the machine note (bounded: 20 min).
(for _ in $(seq 1 240); do cut -d' ' -f1 /proc/loadavg; sleep 5; done) >"$work/loadavg" &
sampler=$!

status=0
LOAD_URL="$url" target/release/examples/load || status=$?

kill "$sampler" 2>/dev/null || true
sampler=""
echo
echo "machine: $(nproc) cores; 1-min load average during the run (every 5 s):" \
  "$(sort -n "$work/loadavg" | awk '{a[NR]=$1} END {if (NR) printf "min %s, median %s, max %s (%d samples)", a[1], a[int((NR+1)/2)], a[NR], NR}')"
panics=$(grep -ci 'panick' "$gateway_log" || true)
errors=$(grep -c 'ERROR' "$gateway_log" || true)
warnings=$(grep -c 'WARN' "$gateway_log" || true)
echo "gateway log: $(wc -l <"$gateway_log") lines, $panics panics, $errors ERROR and $warnings WARN lines"
if [[ "$panics" != 0 ]]; then status=1; fi
exit "$status"
