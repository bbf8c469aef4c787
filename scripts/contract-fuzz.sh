#!/usr/bin/env bash
# Contract fuzzing: schemathesis generates requests from openapi.yaml (served by
# the local gateway at /openapi.json) and checks every answer against it.
#
#   bash scripts/contract-fuzz.sh            # a few minutes
#   FUZZ_EXAMPLES=200 bash scripts/contract-fuzz.sh   # deeper
#
# Runs twice: as the seeded admin (bearer header) and anonymously. Exits
# non-zero if any check fails. Environment: SCHEMATHESIS_VENV (default
# ~/.venvs/schemathesis), FUZZ_EXAMPLES (examples per operation and phase,
# default 25), FUZZ_SEED (default 1, for reproducible runs), FUZZ_PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
say() { printf '\n==> %s (%ss)\n' "$*" "$(( $(date +%s) - started ))"; }

# The version the contract was last fuzzed with; bump deliberately.
SCHEMATHESIS_VERSION=4.32.5
VENV=${SCHEMATHESIS_VENV:-$HOME/.venvs/schemathesis}
EXAMPLES=${FUZZ_EXAMPLES:-25}
SEED=${FUZZ_SEED:-1}

say "schemathesis"
if ! "$VENV/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  if ! python3 -m venv "$VENV"; then
    echo "installing python3-venv"
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$VENV"
  fi
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
"$VENV/bin/st" --version

say "build the local gateway"
# The same command as the tests step of .ci/run (same features, so no rebuild
# there); it also builds target/debug/local-gateway.
cargo test --workspace --locked --no-run

port=${FUZZ_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
base="http://127.0.0.1:$port"
work=$(mktemp -d)
log="$work/gateway.log"
gateway_pid=""
stop_gateway() {
  if [ -n "$gateway_pid" ] && kill -0 "$gateway_pid" 2>/dev/null; then
    kill -INT "$gateway_pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$gateway_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$gateway_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap stop_gateway EXIT

say "start the local gateway on $base (in memory, seeded)"
# Its own state folder (DynamoDB Local install shared through a link), its own
# secret: nothing of a developer's local data is touched.
mkdir -p "$work/state" .local/dynamodb-local
ln -s "$PWD/.local/dynamodb-local" "$work/state/dynamodb-local"
PORT=$port LOCAL_STATE_DIR="$work/state" RUST_LOG=${RUST_LOG:-warn} NO_COLOR=1 \
  env -u DYNAMODB_ENDPOINT target/debug/local-gateway --in-memory --no-web >"$log" 2>&1 &
gateway_pid=$!
for _ in $(seq 1 240); do
  if curl -fsS "$base/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$gateway_pid" 2>/dev/null; then cat "$log"; echo "the gateway died" >&2; exit 1; fi
  sleep 0.5
done
curl -fsS "$base/health" >/dev/null || { cat "$log"; echo "the gateway did not become healthy" >&2; exit 1; }
curl -fsS "$base/openapi.json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("openapi", d["openapi"], "-", len(d["paths"]), "paths")'

say "log in as the seeded admin"
token=$(curl -fsS -X POST "$base/auth/login" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"admin123"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["access_token"])')

# Checks (names as `st run --help` of this version lists them):
#   not_a_server_error            no 5xx, ever: a 5xx on bad input is a bug
#   status_code_conformance       every status is documented for its operation
#   content_type_conformance      every answer is the documented application/json
#   response_headers_conformance  documented headers (Retry-After on 429) are there and valid
#   response_schema_conformance   every body matches its envelope / data schema
#   negative_data_rejection       data that breaks the schema is refused with a 4xx
#   missing_required_header       a required header left out is refused
#   ignored_auth                  secured operations refuse no token and a wrong token
#   use_after_free                a deleted user or product is gone (stateful phase,
#                                 following the document's links from the creating call)
#   ensure_resource_availability  a created user, product or order can be read back
# Left out, on purpose:
#   positive_data_acceptance      valid-by-schema data is rightly refused by rules no
#                                 schema can state: the common-password list, unique
#                                 usernames, product ids that must exist, stock, the
#                                 status machine, login throttling, wrong credentials
#   unsupported_method,           expect 405 + Allow; API Gateway (and so the local
#   allow_header_conformance      gateway) answers unknown methods with 404 NOT_FOUND,
#                                 as the README documents
#   object_level_authorization    needs a second identity's credentials; the API tests
#                                 cover owner/admin visibility (403 for users, 404 for orders)
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection,missing_required_header,ignored_auth,use_after_free,ensure_resource_availability

# One worker: with more, hypothesis parses lambda sources from several threads
# at once and trips CPython 3.11's "AST constructor recursion depth mismatch".
run() {
  local name=$1
  shift
  say "schemathesis: $name"
  # From the scratch folder, so schemathesis' and hypothesis' caches go with it.
  (cd "$work" && "$VENV/bin/st" run "$base/openapi.json" \
    --url "$base" \
    --checks "$checks" \
    --phases examples,coverage,fuzzing,stateful \
    --max-examples "$EXAMPLES" \
    --seed "$SEED" \
    --workers 1 \
    --request-timeout 10 \
    --generation-database none \
    --no-color \
    "$@")
}

status=0
run "as admin" --header "Authorization: Bearer $token" || status=1
run "anonymous" || status=1

if grep -q '"level":"ERROR"\|ERROR' "$log"; then
  echo "--- gateway errors:"; grep 'ERROR' "$log" | head -20
fi
say "done: $([ $status = 0 ] && echo passed || echo FAILED)"
exit $status
