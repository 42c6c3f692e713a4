#!/usr/bin/env bash
# Fuzzes the GraphQL endpoint with schemathesis (PyPI), anonymous and as each role of the demo data,
# on SQLite and on PostgreSQL + Redis. The schema comes from the server by the standard introspection
# query. Pass condition (bench/fuzz/checks.py): no HTTP 5xx, no INTERNAL_SERVER_ERROR or uncoded
# error, no message giving internals away. Prints one line per database and role and exits non-zero
# on any failure. All traffic goes to 127.0.0.1; each run is bounded by FUZZ_SECONDS.
#
#   bash bench/fuzz.sh                       # both databases, every role
#   FUZZ_DATABASES=sqlite bash bench/fuzz.sh
#
# Settings (environment):
#   FUZZ_SECONDS     40 (time budget per database and role; 6 roles x 2 databases ~ 8 minutes)
#   FUZZ_DATABASES   "sqlite postgres"
#   FUZZ_PG_URL      postgres://postgres@127.0.0.1:5432/gongkai_fuzz (dropped and made anew)
#   FUZZ_REDIS_URL   redis://127.0.0.1:6379
#   FUZZ_ADDR        127.0.0.1:18090
#   FUZZ_VENV        target/fuzz-venv (where schemathesis is installed)
#   FUZZ_SCHEMA      unset: the schema by introspection from the server; a path: that SDL file
#                    (schema.graphql of the binary's commit, for builds that refuse introspection)
#   FUZZ_BIN         a server binary to fuzz instead of building target/debug/gongkai (an older
#                    build, to see what the fuzzer finds there)
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH="${FUZZ_SECONDS:-40}"
DATABASES="${FUZZ_DATABASES:-sqlite postgres}"
PG_URL="${FUZZ_PG_URL:-postgres://postgres@127.0.0.1:5432/gongkai_fuzz}"
REDIS="${FUZZ_REDIS_URL:-redis://127.0.0.1:6379}"
ADDR="${FUZZ_ADDR:-127.0.0.1:18090}"
VENV="${FUZZ_VENV:-target/fuzz-venv}"
OUT=target/fuzz
mkdir -p "$OUT"

log() { printf '\n== %s\n' "$*" >&2; }

if [ ! -x "$VENV/bin/st" ]; then
  log "installing schemathesis into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==4.32.5"
fi

BIN="${FUZZ_BIN:-}"
if [ -z "$BIN" ]; then
  log "building the server"
  cargo build -q -p gongkai
  BIN=target/debug/gongkai
fi

SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
trap stop_server EXIT

login() {
  curl -s "http://$ADDR/graphql" -H 'content-type: application/json' \
    -d "{\"query\":\"mutation(\$e:String!,\$p:String!){login(input:{email:\$e,password:\$p}){token}}\",\"variables\":{\"e\":\"$1\",\"p\":\"$2\"}}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["login"]["token"])'
}

failed=0
summary="$OUT/summary.txt"
: > "$summary"
for db in $DATABASES; do
  case "$db" in
    sqlite)
      dir=$(mktemp -d)
      export DATABASE_URL="sqlite://$dir/fuzz.db?mode=rwc"
      unset REDIS_URL
      ;;
    postgres)
      psql "${PG_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS ${PG_URL##*/}" -c "CREATE DATABASE ${PG_URL##*/}" >/dev/null
      export DATABASE_URL="$PG_URL"
      export REDIS_URL="$REDIS"
      redis-cli -u "$REDIS" --scan --pattern 'gk:*' | xargs -r redis-cli -u "$REDIS" del >/dev/null
      ;;
  esac
  log "$db: seeding the demo data"
  "$BIN" seed-demo > "$OUT/seed-$db.txt"
  export LISTEN_ADDR="$ADDR" RUST_LOG=warn SECRET_KEY="gongkai-fuzz-fixed-signing-key-not-a-secret-0123456789"
  # Limits off: the fuzzer is one client address sending thousands of sign-ins and comments.
  for limit in LOGIN_FAILURES LOGIN_FAILURES_PER_ADDRESS REGISTRATIONS_PER_HOUR COMMENTS_PER_MINUTE COMMENTS_PER_DAY REPORTS_PER_HOUR APPLICATIONS_PER_DAY OBSERVATIONS_PER_DAY; do
    export "RATE_LIMIT_$limit=0"
  done
  "$BIN" serve > "$OUT/server-$db.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do curl -sf "http://$ADDR/readyz" >/dev/null && break; sleep 0.2; done
  password_of() { awk -v who="$1" '$1 == who { print $4; exit }' "$OUT/seed-$db.txt"; }
  email_of() { awk -v who="$1" '$1 == who { print $2; exit }' "$OUT/seed-$db.txt"; }
  declare -A tokens=()
  tokens[anonymous]=""
  tokens[citizen]=$(login "$(email_of CITIZEN)" "$(password_of CITIZEN)")
  tokens[staff]=$(login "$(email_of STAFF)" "$(password_of STAFF)")
  tokens[admin]=$(login "$(email_of ADMIN)" "$(password_of ADMIN)")
  for role in anonymous citizen staff admin; do
    header=()
    if [ -n "${tokens[$role]}" ]; then header=(-H "Authorization: Bearer ${tokens[$role]}"); fi
    log "$db: fuzzing as $role for ${SECONDS_EACH}s"
    set +e
    if [ -n "${FUZZ_SCHEMA:-}" ]; then location=("$FUZZ_SCHEMA" --url "http://$ADDR/graphql"); else location=("http://$ADDR/graphql"); fi
    PYTHONPATH=bench/fuzz SCHEMATHESIS_HOOKS=checks "$VENV/bin/st" run "${location[@]}" \
      --checks gongkai_no_internal_errors --max-time "$SECONDS_EACH" --workers 2 \
      --phases examples,coverage,fuzzing --suppress-health-check all --warnings off --generation-allow-x00 true \
      --request-timeout 20 "${header[@]}" > "$OUT/st-$db-$role.txt" 2>&1
    code=$?
    set -e
    cases=$(grep -oE '[0-9]+ generated' "$OUT/st-$db-$role.txt" | tail -n 1 | grep -oE '[0-9]+' || echo "?")
    if [ "$code" -eq 0 ]; then result=ok; else result="FAILED (exit $code, see $OUT/st-$db-$role.txt)"; failed=1; fi
    printf '%-8s %-9s %8s cases  %s\n' "$db" "$role" "$cases" "$result" | tee -a "$summary"
  done
  if grep -qE 'panicked|stack overflow' "$OUT/server-$db.log"; then
    echo "$db: the server log shows a panic ($OUT/server-$db.log)" | tee -a "$summary"
    failed=1
  fi
  stop_server
  unset tokens
done
cat "$summary"
exit "$failed"
