#!/usr/bin/env bash
# The Gongkai benchmark, one command: builds the release server and the bench tools, makes sure
# PostgreSQL and Redis answer, seeds the bench database (1,000,000 comments on one consultation) if it
# is not seeded yet, measures the ceilings (pgbench doing the same database work raw, argon2id on every
# core), starts the release server against PostgreSQL and Redis with the rate limits off and its default
# database connections, drives it over HTTP with wrk, streams the big consultation's comment export as CSV and
# as JSON while sampling the server's memory, and prints a summary table (also written to
# target/bench/summary.md).
#
#   bash bench/run.sh                          # everything
#   BENCH_ONLY=ceilings bash bench/run.sh      # only the ceilings (no server)
#
# All traffic goes to 127.0.0.1. Each measurement runs BENCH_DURATION seconds; the run stops by itself.
# Settings (environment):
#   BENCH_DATABASE_URL  postgres://postgres@127.0.0.1:5432/gongkai_bench (created if missing)
#   BENCH_REDIS_URL     redis://127.0.0.1:6379
#   BENCH_ADDR          127.0.0.1:18080 (where the server listens)
#   BENCH_DURATION      15 (seconds per measurement)
#   BENCH_CONNECTIONS   64 (wrk connections; pgbench clients)
#   BENCH_WRK_THREADS   2 (wrk threads, like pgbench's -j 2: a load generator thread per core, each
#                       carrying half the connections; each request carries one of the thread's tokens
#                       in turn, so the requests in flight belong to distinct citizens)
#   BENCH_FLOOD_CONNECTIONS  64 (sign-in flood running while the listing is measured again)
#   BENCH_COMMENTS / BENCH_USERS  1000000 / 100000 (seed size, used only when seeding)
#   BENCH_DEEP_PAGE     50000 (the deep page; capped at the last full page)
#   BENCH_DATABASE_MAX_CONNECTIONS  unset: the server's own default pool (20); set to pass another
#                       DATABASE_MAX_CONNECTIONS
#   BENCH_WARMUP        5 (seconds each wrk scenario runs, unmeasured, before it is measured: the pool
#                       opens its connections and each prepares its statements)
#   BENCH_ONLY          all | ceilings
#   BENCH_SKIP_BUILD    1: use the binaries already in target/release
#   BENCH_LOGGING       1 (default): page 1 and submissions again with request logs off, then on
#   BENCH_LOGGING_ROUNDS  3 (off/on pairs; the summary takes each mode's median)
#   BENCH_UNCACHED      1 (default): reads without the response cache (issue 16): 150 comments in one
#                       request, and pages of 20 and 100 of a consultation with stale statistics
#   BENCH_STALE_ROWS    1000000 (comments of that consultation); BENCH_STALE_LATENCY_CONNECTIONS 8
#   BENCH_POLIS_URL     a Polis server's comment list of a 150-comment conversation (GET), read with the
#                       same wrk settings beside the 150-comment read, e.g.
#                       http://127.0.0.1:5000/api/v3/comments?conversation_id=…&include_social=true
#   BENCH_BEFORE_BINARY another build of the server (say the previous commit's): the signed-in and
#                       moderation pages again on it, side by side with this build's
set -euo pipefail
cd "$(dirname "$0")/.."

DB_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gongkai_bench}"
ADMIN_URL="${DB_URL%/*}/postgres"
REDIS="${BENCH_REDIS_URL:-redis://127.0.0.1:6379}"
ADDR="${BENCH_ADDR:-127.0.0.1:18080}"
DURATION="${BENCH_DURATION:-15}"
CONN="${BENCH_CONNECTIONS:-64}"
FLOOD_CONN="${BENCH_FLOOD_CONNECTIONS:-64}"
WRK_THREADS="${BENCH_WRK_THREADS:-2}"
ONLY="${BENCH_ONLY:-all}"
DB_POOL="${BENCH_DATABASE_MAX_CONNECTIONS:-}"
WARMUP="${BENCH_WARMUP:-5}"
SECRET_KEY="gongkai-bench-fixed-signing-key-not-a-secret-0123456789"
# A fixed key sealing identity document numbers (a bench fixture, not a secret).
DATA_KEY="00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
OUT=target/bench
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$OUT"
rm -f "$OUT"/*.result "$OUT"/*.load "$OUT"/*.rss "$OUT"/pgbench_*

SERVER_PID=""
SAMPLER_PID=""
EXPORT_SAMPLER_PID=""
FLOOD_PID=""
BIG=""

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 60); do
    port_open "$1" && return 0
    sleep 1
  done
  die "nothing answers on port $1"
}

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then
    apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

sql() { psql "$DB_URL" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }

cleanup() {
  set +e
  [ -n "$FLOOD_PID" ] && kill "$FLOOD_PID" 2>/dev/null
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"
    for _ in $(seq 1 30); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$SERVER_PID" 2>/dev/null
  fi
  [ -n "$SAMPLER_PID" ] && kill "$SAMPLER_PID" 2>/dev/null
  [ -n "$EXPORT_SAMPLER_PID" ] && kill "$EXPORT_SAMPLER_PID" 2>/dev/null
  rm -f "$OUT/tokens.txt"
  [ -n "$BIG" ] && remove_ceiling_rows
  remove_stale_copy
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------------
# CURSOR FORMAT. Must match the server (server/src/services/pagination.rs, `id_cursor`): comments in
# the default NEWEST order are paged by id, and the `after` cursor is the hex encoding of the text of
# the last comment id of the previous page. If the server changes its cursors, change this function.
comment_cursor() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
# ---------------------------------------------------------------------------------------------------

# Rows the insert ceiling added to the big consultation (marked in bench/sql/pgbench-insert.sql).
remove_ceiling_rows() {
  local n
  n=$(sql "WITH d AS (DELETE FROM comments WHERE consultation_id = '$BIG' AND status = 'PUBLISHED'
                      AND client_hash = 'pgbench-ceiling' RETURNING 1) SELECT count(*) FROM d") || return 0
  if [ "${n:-0}" != "0" ]; then
    echo "removed $n rows of the insert ceiling" >&2
    sql "VACUUM (ANALYZE, INDEX_CLEANUP ON) comments" || true
  fi
}

# The copy of the big consultation that the stale-statistics reads use (issue 16), marked in its title;
# removed after those reads, and here too if the run stops before, with autovacuum back on.
STALE_MARK=' (bench: stale statistics)'
remove_stale_copy() {
  local ids
  ids=$(sql "SELECT id FROM consultations WHERE title LIKE '%$STALE_MARK'") || return 0
  for id in $ids; do
    echo "removing the stale-statistics copy $id" >&2
    sql "DELETE FROM replies WHERE consultation_id = '$id'; DELETE FROM comments WHERE consultation_id = '$id';
         DELETE FROM consultations WHERE id = '$id'" || true
  done
  sql "ALTER TABLE comments RESET (autovacuum_enabled)" || true
  if [ -n "$ids" ]; then
    sql "VACUUM (ANALYZE) comments" || true
  fi
  return 0
}

# ---- tools and services ------------------------------------------------------------------------------
log "tools and services"
command -v curl >/dev/null || apt_install curl
command -v jq >/dev/null || apt_install jq
command -v psql >/dev/null || apt_install postgresql-client
pgbench --version >/dev/null 2>&1 || apt_install postgresql-client
command -v wrk >/dev/null || apt_install wrk
if ! port_open 5432; then
  echo "starting PostgreSQL" >&2
  ls /etc/postgresql/*/main >/dev/null 2>&1 || apt_install postgresql
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_port 5432
fi
psql "$ADMIN_URL" -qAtXc 'SELECT 1' >/dev/null || die "PostgreSQL does not accept $ADMIN_URL"
if [ "$ONLY" != "ceilings" ] && ! port_open 6379; then
  echo "starting Redis" >&2
  command -v redis-server >/dev/null || apt_install redis-server
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  wait_port 6379
fi

# ---- build and seed -------------------------------------------------------------------------------------
if [ "${BENCH_SKIP_BUILD:-0}" != "1" ]; then
  log "cargo build --release -p gongkai -p gongkai-bench"
  if [ "$ONLY" = "ceilings" ]; then
    cargo build --release -p gongkai-bench
  else
    cargo build --release -p gongkai -p gongkai-bench
  fi
fi

log "seed (skipped when the database already holds the load)"
DATABASE_URL="$DB_URL" target/release/seed-load \
  --comments "${BENCH_COMMENTS:-1000000}" --users "${BENCH_USERS:-100000}" --out "$OUT/seed.json"
BIG=$(jq -r .big_consultation_id "$OUT/seed.json")
# The seeder writes comments without search tokens (COPY, as a migration from an older version would
# find them): the backfill indexes them and counts their keywords. Timed here on the run that finds
# them unindexed; a later run finds nothing to do and says so.
log "search backfill (gongkai search-backfill)"
backfill_start=$(date +%s.%N)
DATABASE_URL="$DB_URL" SECRET_KEY="$SECRET_KEY" DATA_KEY="$DATA_KEY" target/release/gongkai search-backfill >"$OUT/backfill.txt" 2>"$OUT/backfill.err" || { tail -n 5 "$OUT/backfill.err" >&2; die "the search backfill failed"; }
backfill_end=$(date +%s.%N)
awk -v a="$backfill_start" -v b="$backfill_end" -v line="$(tail -n 1 "$OUT/backfill.txt")" 'BEGIN {
  n = line; sub(/.* consultations, /, "", n); sub(/ comments.*/, "", n)
  printf "RESULT seconds=%.1f comments=%d\n", b - a, n + 0 }' >"$OUT/backfill.result"
cat "$OUT/backfill.txt" >&2
BIG_SECTION=$(jq -r '.big_section_ids[0]' "$OUT/seed.json")
OPEN=$(jq -r .open_consultation_id "$OUT/seed.json")
OPEN_SECTIONS=$(jq -r '.open_section_ids | join(",")' "$OUT/seed.json")
CITIZENS=$(jq -r .citizen_count "$OUT/seed.json")
ADMIN_EMAIL="${BENCH_ADMIN_EMAIL:-admin@bench.gongkai.test}"
PATTERN=$(jq -r .citizen_email_pattern "$OUT/seed.json")
PASSWORD=$(jq -r .password "$OUT/seed.json")
[ "$CITIZENS" -ge "$CONN" ] || die "need at least $CONN citizens, the database has $CITIZENS"
remove_ceiling_rows

# Similar groups of every seeded comment, built from scratch (the seeder writes none): resumable, and
# quick when a previous run placed them already. The server's worker then only places new comments.
if [ "$ONLY" != "ceilings" ]; then
  log "similar groups: gongkai backfill-similar"
  DATABASE_URL="$DB_URL" SECRET_KEY="$SECRET_KEY" DATA_KEY="$DATA_KEY" RUST_LOG=warn target/release/gongkai backfill-similar >"$OUT/backfill_similar.txt" 2>"$OUT/backfill_similar.log" \
    || { tail -n 5 "$OUT/backfill_similar.log" >&2; die "backfill-similar failed"; }
  cat "$OUT/backfill_similar.txt" >&2
fi

# ---- measurements ---------------------------------------------------------------------------------------
# Each writes $OUT/<name>.result: one line "RESULT requests=.. duration_s=.. rps=.. p50_ms=.. p99_ms=.. ..."
# and $OUT/<name>.load: the 1-minute load average when it started, and how many compiler or linker
# processes were running then. The load average also counts the previous measurement's own 64 clients
# (it decays over about a minute), so other work shows best in the second figure.
note_load() {
  local builds
  builds=$(ps -eo comm= | grep -cE '^(rustc|cargo|cc|cc1|cc1plus|ld|ld\.lld|mold|clang)$' || true)
  echo "$(cut -d' ' -f1 /proc/loadavg) / ${builds:-0}" >"$OUT/$1.load"
}

# pgbench NAME SCRIPT [pgbench args]: latency percentiles from the per-transaction log.
pgbench_run() {
  local name=$1 script=$2
  shift 2
  rm -f "$OUT/pgbench_$name".*
  note_load "$name"
  timeout $((DURATION + 120)) pgbench -n -M prepared -c "$CONN" -j 2 -T "$DURATION" -f "$script" "$@" \
    -l --log-prefix="$OUT/pgbench_$name" "$DB_URL" >"$OUT/pgbench_$name.txt" 2>&1 || true
  local tps failed
  tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$OUT/pgbench_$name.txt" | tail -n 1)
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$OUT/pgbench_$name.txt" | tail -n 1)
  if [ -z "$tps" ]; then
    echo "RESULT failed" >"$OUT/$name.result"
    echo "pgbench $name failed:" >&2
    tail -n 5 "$OUT/pgbench_$name.txt" >&2
    return 0
  fi
  # Per-transaction log lines: client_id transaction_no time_us script_no epoch epoch_us.
  cat "$OUT/pgbench_$name".[0-9]* | awk '{print $3}' | sort -n >"$OUT/pgbench_$name.lat"
  awk -v tps="$tps" -v failed="${failed:-0}" -v d="$DURATION" '
    { v[NR] = $1 }
    END {
      p50 = v[int((NR - 1) * 0.50) + 1] / 1000; p99 = v[int((NR - 1) * 0.99) + 1] / 1000
      printf "RESULT requests=%d duration_s=%s rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=0 gql_errors=%d socket_errors=0\n", NR, d, tps, p50, p99, failed
    }' "$OUT/pgbench_$name.lat" >"$OUT/$name.result"
  rm -f "$OUT/pgbench_$name".[0-9]* "$OUT/pgbench_$name.lat"
}

# wrk NAME SCRIPT CONNECTIONS SECONDS [VAR=value ...]: WRK_THREADS threads (at most one per connection).
wrk_run() {
  local name=$1 script=$2 conns=$3 secs=$4 threads=$WRK_THREADS
  shift 4
  [ "$threads" -gt "$conns" ] && threads=$conns
  if [ "$WARMUP" -gt 0 ]; then
    env BENCH_WRK_DIR=bench/wrk BENCH_THREADS="$threads" "$@" timeout $((WARMUP + 120)) wrk -t"$threads" -c"$conns" -d"${WARMUP}s" \
      --timeout 30s -s "bench/wrk/$script" "${WRK_TARGET:-http://$ADDR/graphql}" 2>&1 | grep '^RESULT' | sed "s/^/warm-up $name: /" >&2 || true
  fi
  note_load "$name"
  env BENCH_WRK_DIR=bench/wrk BENCH_THREADS="$threads" "$@" timeout $((secs + 120)) wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 30s \
    -s "bench/wrk/$script" "${WRK_TARGET:-http://$ADDR/graphql}" >"$OUT/$name.txt" 2>&1 || true
  grep '^RESULT' "$OUT/$name.txt" >"$OUT/$name.result" || echo "RESULT failed" >"$OUT/$name.result"
  grep '^FIRST_ERROR' "$OUT/$name.txt" >&2 || true
}

field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" "$OUT/$1.result" 2>/dev/null | head -n 1; }
# The median of FIELD over the results PREFIX1 … PREFIXn.
median_field() { # PREFIX FIELD N
  local i
  for i in $(seq 1 "$3"); do field "$1$i" "$2"; done | sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# The deep page: DEEP_PAGE pages of 20 in, capped at the last full page of PUBLISHED comments.
PUBLISHED=$(sql "SELECT count(*) FROM comments WHERE consultation_id = '$BIG' AND status = 'PUBLISHED'")
DEEP_PAGE=$((PUBLISHED / 20))
[ "$DEEP_PAGE" -gt "${BENCH_DEEP_PAGE:-50000}" ] && DEEP_PAGE="${BENCH_DEEP_PAGE:-50000}"
[ "$DEEP_PAGE" -ge 2 ] || die "the big consultation has too few comments for a deep page"
DEEP_AFTER_ID=$(sql "SELECT id FROM comments WHERE consultation_id = '$BIG' AND status = 'PUBLISHED'
                     ORDER BY id DESC OFFSET $(((DEEP_PAGE - 1) * 20 - 1)) LIMIT 1")
DEEP_CURSOR=$(comment_cursor "$DEEP_AFTER_ID")
echo "deep page $DEEP_PAGE of $(((PUBLISHED + 19) / 20)): after comment $DEEP_AFTER_ID (cursor $DEEP_CURSOR)" >&2

log "ceilings: pgbench ($CONN clients, ${DURATION}s each) and argon2id"
GROUP=$(sql "SELECT id FROM duplicate_groups WHERE consultation_id = '$BIG' AND multi ORDER BY id LIMIT 1")
pgbench_run ceiling_insert bench/sql/pgbench-insert.sql -D big="$BIG" -D section="$BIG_SECTION" -D grp="$GROUP"
remove_ceiling_rows
pgbench_run ceiling_page1 bench/sql/pgbench-page.sql -D big="$BIG" -D cursor=ffffffff-ffff-ffff-ffff-ffffffffffff
pgbench_run ceiling_deep bench/sql/pgbench-page.sql -D big="$BIG" -D cursor="$DEEP_AFTER_ID"
note_load ceiling_argon2
target/release/argon2-ceiling --threads "$(nproc)" --seconds 5 >"$OUT/ceiling_argon2.result"
for c in ceiling_insert ceiling_page1 ceiling_deep ceiling_argon2; do
  printf '%-16s %s\n' "$c" "$(cat "$OUT/$c.result")" >&2
done

if [ "$ONLY" != "ceilings" ]; then
  log "server: target/release/gongkai serve on $ADDR (PostgreSQL + Redis, rate limits off)"
  port_open "${ADDR##*:}" && die "something already listens on $ADDR (choose another address with BENCH_ADDR)"
  # The server's default pool (20 connections behind the 64 clients: on two cores, more backends only
  # take turns on the CPU; 64 measured 1,503 submissions/s with p99 70 ms, 20 gave 1,556/s with 56 ms)
  # unless BENCH_DATABASE_MAX_CONNECTIONS says otherwise, and a fixed signing key so that export links
  # are signed the same way on every run (a bench fixture, not a secret). The other settings keep their
  # defaults (PASSWORD_HASH_THREADS, RESPONSE_CACHE_MS).
  # start_server LOG_FILE [VAR=value ...]: the server in the background (SERVER_PID), ready when it returns.
  start_server() {
    local log_file=$1
    shift
    env DATABASE_URL="$DB_URL" REDIS_URL="$REDIS" LISTEN_ADDR="$ADDR" RUST_LOG="${BENCH_RUST_LOG:-warn}" \
      ${DB_POOL:+"DATABASE_MAX_CONNECTIONS=$DB_POOL"} SECRET_KEY="$SECRET_KEY" DATA_KEY="$DATA_KEY" \
      RATE_LIMIT_LOGIN_FAILURES=0 RATE_LIMIT_LOGIN_FAILURES_PER_ADDRESS=0 RATE_LIMIT_REGISTRATIONS_PER_HOUR=0 \
      RATE_LIMIT_COMMENTS_PER_MINUTE=0 RATE_LIMIT_COMMENTS_PER_DAY=0 RATE_LIMIT_REPORTS_PER_HOUR=0 \
      "$@" "${SERVER_BIN:-target/release/gongkai}" serve >"$log_file" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 120); do
      curl -fsS "http://$ADDR/readyz" >/dev/null 2>&1 && break
      kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$log_file" >&2; die "the server exited"; }
      sleep 1
    done
    curl -fsS "http://$ADDR/readyz" >/dev/null || die "the server is not ready after 120 s"
  }
  stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  }
  start_server "$OUT/server.log"
  (
    while [ -r "/proc/$SERVER_PID/status" ]; do
      awk -v t="$(date +%s)" '/^VmRSS/ {print t, $2}' "/proc/$SERVER_PID/status" 2>/dev/null
      sleep 1
    done
  ) >"$OUT/rss.log" &
  SAMPLER_PID=$!

  gql() { # BODY [TOKEN]
    curl -sS -H 'Content-Type: application/json' ${2:+-H "Authorization: Bearer $2"} --data "$1" "http://$ADDR/graphql"
  }
  log "signing in $CONN distinct citizens for the tokens"
  : >"$OUT/tokens.txt"
  for k in $(seq 0 $((CONN - 1))); do
    email=${PATTERN//\{i\}/$((1 + k * (CITIZENS / CONN)))}
    body=$(jq -nc --arg e "$email" --arg p "$PASSWORD" \
      '{query: "mutation($input: LoginInput!) { login(input: $input) { token } }", variables: {input: {email: $e, password: $p}}}')
    answer=$(gql "$body")
    token=$(jq -r '.data.login.token // empty' <<<"$answer")
    [ -n "$token" ] || die "login of $email failed: $answer"
    echo "$token" >>"$OUT/tokens.txt"
  done

  log "checking each request once"
  page_query='query($id: ID!, $after: String) { consultation(id: $id) { comments(first: 20, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } }'
  deep=$(gql "$(jq -nc --arg q "$page_query" --arg id "$BIG" --arg a "$DEEP_CURSOR" '{query: $q, variables: {id: $id, after: $a}}')")
  expected=$(sql "SELECT id FROM comments WHERE consultation_id = '$BIG' AND status = 'PUBLISHED'
                  ORDER BY id DESC OFFSET $(((DEEP_PAGE - 1) * 20)) LIMIT 1")
  got=$(jq -r '.data.consultation.comments.edges[0].node.id // empty' <<<"$deep")
  if [ "$got" != "$expected" ]; then
    echo "warning: the deep-page cursor does not land where expected (got '$got', expected $expected): $(head -c 300 <<<"$deep")" >&2
  fi

  log "scenarios (wrk, ${DURATION}s each)"
  wrk_run list list_consultations.lua "$CONN" "$DURATION"
  wrk_run page1 comment_page.lua "$CONN" "$DURATION" BENCH_CONSULTATION="$BIG" BENCH_CURSOR=
  wrk_run deep comment_page.lua "$CONN" "$DURATION" BENCH_CONSULTATION="$BIG" BENCH_CURSOR="$DEEP_CURSOR"
  # Issue 16: the same two pages read by the 64 signed-in citizens (with viewerHasEndorsed), and page 1
  # as an automatic persisted query over GET (the hash registered once here, with its text).
  wrk_run page1_citizen comment_page.lua "$CONN" "$DURATION" BENCH_VIEW=citizen BENCH_TOKENS="$OUT/tokens.txt" \
    BENCH_CONSULTATION="$BIG" BENCH_CURSOR=
  wrk_run deep_citizen comment_page.lua "$CONN" "$DURATION" BENCH_VIEW=citizen BENCH_TOKENS="$OUT/tokens.txt" \
    BENCH_CONSULTATION="$BIG" BENCH_CURSOR="$DEEP_CURSOR"
  APQ_TEXT=$(cat bench/wrk/comment_page.graphql)
  APQ_HASH=$(printf '%s' "$APQ_TEXT" | sha256sum | cut -d' ' -f1)
  apq_answer=$(gql "$(jq -nc --arg q "$APQ_TEXT" --arg id "$BIG" --arg h "$APQ_HASH" \
    '{query: $q, variables: {id: $id, after: null}, extensions: {persistedQuery: {version: 1, sha256Hash: $h}}}')")
  jq -e '.data.consultation.comments.edges | length > 0' <<<"$apq_answer" >/dev/null \
    || echo "warning: registering the persisted page failed: $(head -c 300 <<<"$apq_answer")" >&2
  wrk_run page1_apq comment_page.lua "$CONN" "$DURATION" BENCH_APQ=1 BENCH_APQ_HASH="$APQ_HASH" \
    BENCH_CONSULTATION="$BIG" BENCH_CURSOR=
  wrk_run submit submit_comment.lua "$CONN" "$DURATION" BENCH_TOKENS="$OUT/tokens.txt" \
    BENCH_CONSULTATION="$OPEN" BENCH_SECTIONS="$OPEN_SECTIONS"
  login_env=(BENCH_EMAIL_PATTERN="$PATTERN" BENCH_CITIZENS="$CITIZENS" BENCH_PASSWORD="$PASSWORD")
  wrk_run login login.lua "$CONN" "$DURATION" "${login_env[@]}"
  # The listing again, while a sign-in flood keeps the password hashing busy.
  wrk_run login_flood login.lua "$FLOOD_CONN" $((DURATION + 6)) "${login_env[@]}" &
  FLOOD_PID=$!
  sleep 3
  wrk_run list_flood list_consultations.lua "$CONN" "$DURATION"
  wait "$FLOOD_PID" || true
  FLOOD_PID=""

  HWM=$(awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)
  RSS_MAX=$(awk 'BEGIN {m = 0} $2 > m {m = $2} END {print m}' "$OUT/rss.log")
  RSS_MIN=$(awk 'NR == 1 {m = $2} $2 < m {m = $2} END {print m + 0}' "$OUT/rss.log")

  # Exports (issue 4): every comment of the big consultation, streamed through a signed link, once as
  # CSV and once as JSON, by the seeded admin (bench/src/plan.rs; any staff member of the lead
  # department may export too). The server's VmRSS is sampled every 0.2 s while the download runs.
  log "exports of the big consultation (CSV, then JSON)"
  admin_answer=$(gql "$(jq -nc --arg e "$ADMIN_EMAIL" --arg p "$PASSWORD" \
    '{query: "mutation($input: LoginInput!) { login(input: $input) { token } }", variables: {input: {email: $e, password: $p}}}')")
  ADMIN_TOKEN=$(jq -r '.data.login.token // empty' <<<"$admin_answer")
  [ -n "$ADMIN_TOKEN" ] || echo "warning: the admin could not sign in, no export measured: $admin_answer" >&2
  EXPORT_ROWS=$(sql "SELECT count(*) FROM comments WHERE consultation_id = '$BIG'")
  export_run() { # FORMAT (CSV | JSON)
    local fmt=$1 name answer url before result
    name=export_$(tr 'A-Z' 'a-z' <<<"$1")
    echo "RESULT failed" >"$OUT/$name.result"
    [ -n "$ADMIN_TOKEN" ] || return 0
    answer=$(gql "$(jq -nc --arg q "mutation(\$id: ID!) { exportComments(consultationId: \$id, format: $fmt) { url expiresAt } }" \
      --arg id "$BIG" '{query: $q, variables: {id: $id}}')" "$ADMIN_TOKEN")
    url=$(jq -r '.data.exportComments.url // empty' <<<"$answer")
    if [ -z "$url" ]; then
      echo "warning: exportComments($fmt) failed: $(head -c 300 <<<"$answer")" >&2
      return 0
    fi
    note_load "$name"
    before=$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
    (
      while [ -r "/proc/$SERVER_PID/status" ]; do
        awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null
        sleep 0.2
      done
    ) >"$OUT/$name.rss" &
    EXPORT_SAMPLER_PID=$!
    result=$(curl -sS -o /dev/null --max-time 1800 -w '%{http_code} %{size_download} %{time_total}' "http://$ADDR$url") || true
    kill "$EXPORT_SAMPLER_PID" 2>/dev/null
    wait "$EXPORT_SAMPLER_PID" 2>/dev/null || true
    EXPORT_SAMPLER_PID=""
    read -r code bytes secs <<<"$result"
    awk -v code="${code:-0}" -v bytes="${bytes:-0}" -v secs="${secs:-0}" -v before="$before" '
      NR == 1 || $1 > m { m = $1 }
      END { printf "RESULT http=%s bytes=%d seconds=%.2f rss_before_kib=%d rss_peak_kib=%d samples=%d\n", code, bytes, secs, before, m, NR }' \
      "$OUT/$name.rss" >"$OUT/$name.result"
    printf '%-11s %s\n' "$name" "$(cat "$OUT/$name.result")" >&2
  }
  export_run CSV
  export_run JSON

  # Issue 16: the moderation view of the same two pages (report counts, moderation reason, duplicate
  # count, the author's email), read by the seeded admin, who moderates every consultation.
  if [ -n "$ADMIN_TOKEN" ]; then
    echo "$ADMIN_TOKEN" >"$OUT/admin_token.txt"
    wrk_run page1_staff comment_page.lua "$CONN" "$DURATION" BENCH_VIEW=staff BENCH_TOKENS="$OUT/admin_token.txt" \
      BENCH_CONSULTATION="$BIG" BENCH_CURSOR=
    wrk_run deep_staff comment_page.lua "$CONN" "$DURATION" BENCH_VIEW=staff BENCH_TOKENS="$OUT/admin_token.txt" \
      BENCH_CONSULTATION="$BIG" BENCH_CURSOR="$DEEP_CURSOR"
  else
    echo "RESULT failed" >"$OUT/page1_staff.result"
    echo "RESULT failed" >"$OUT/deep_staff.result"
  fi

  # Search (issue 14): the admin searches the big consultation for a common two-character word (the
  # candidate nearest 10 % of its comments) and for a rare one (the least frequent candidate found).
  log "staff search of the big consultation"
  SEARCH_WORDS=$(sql "SELECT w, count(*) FILTER (WHERE strpos(c.body, w) > 0) FROM comments c,
      unnest(ARRAY['停车','电梯','公交','医疗','垃圾','噪音','养老','学校','租房','物业','排水','充电','菜市','补贴','隐私','听证','绿地','古树']) AS w
    WHERE c.consultation_id = '$BIG' GROUP BY w ORDER BY w" | tr '|' ' ')
  ALL_ROWS=$(sql "SELECT count(*) FROM comments WHERE consultation_id = '$BIG'")
  COMMON=$(awk -v n="$ALL_ROWS" '{ d = $2 / n - 0.10; if (d < 0) d = -d; if (best == "" || d < bd) { best = $1; bd = d } } END { print best }' <<<"$SEARCH_WORDS")
  RARE=$(awk '$2 > 0 && (best == "" || $2 < bc) { best = $1; bc = $2 } END { print best }' <<<"$SEARCH_WORDS")
  COMMON_N=$(awk -v w="$COMMON" '$1 == w { print $2 }' <<<"$SEARCH_WORDS")
  RARE_N=$(awk -v w="$RARE" '$1 == w { print $2 }' <<<"$SEARCH_WORDS")
  echo "search words: common $COMMON ($COMMON_N of $ALL_ROWS comments), rare $RARE ($RARE_N)" >&2
  if [ -n "$ADMIN_TOKEN" ] && [ -n "$COMMON" ]; then
    echo "$ADMIN_TOKEN" >"$OUT/admin_token.txt"
    wrk_run search_common search_comments.lua "$CONN" "$DURATION" BENCH_TOKENS="$OUT/admin_token.txt" \
      BENCH_CONSULTATION="$BIG" BENCH_SEARCH="$COMMON"
    wrk_run search_rare search_comments.lua "$CONN" "$DURATION" BENCH_TOKENS="$OUT/admin_token.txt" \
      BENCH_CONSULTATION="$BIG" BENCH_SEARCH="$RARE"
  else
    echo "RESULT failed" >"$OUT/search_common.result"
    echo "RESULT failed" >"$OUT/search_rare.result"
  fi

  # Issue 16, reads without the response cache (the server restarted with RESPONSE_CACHE_MS=0):
  # (a) a whole 150-comment consultation in one request, a page of 100 and the next 50, as the
  #     comparison with Polis read a whole 150-comment conversation; with BENCH_POLIS_URL (a Polis
  #     server's comment list of a 150-comment conversation, run beside this one) the same read from
  #     Polis in the same run;
  # (b) pages of 20 and 100, page 1 and page DEEP_PAGE, of a consultation whose statistics are older
  #     than its rows: autovacuum off for `comments`, ANALYZE, then a copy of the big consultation
  #     (BENCH_STALE_ROWS comments, 1,000,000 by default) written under a new consultation that the
  #     statistics have never seen, as a campaign's comments arrive faster than autovacuum analyzes.
  #     Measured at 64 connections (throughput) and at BENCH_STALE_LATENCY_CONNECTIONS (8: latency at
  #     a load the server is not saturated by). The copy is removed and autovacuum restored after.
  if [ "${BENCH_UNCACHED:-1}" = "1" ]; then
    log "reads without the response cache: 150 comments in one request; pages of 20 and 100 with stale statistics"
    stop_server
    start_server "$OUT/server_uncached.log" RESPONSE_CACHE_MS=0
    SMALL=$(sql "SELECT consultation_id FROM comments WHERE status = 'PUBLISHED' AND consultation_id NOT IN ('$BIG', '$OPEN')
                 GROUP BY consultation_id HAVING count(*) >= 150 ORDER BY count(*), consultation_id LIMIT 1")
    SMALL_AFTER=$(comment_cursor "$(sql "SELECT id FROM comments WHERE consultation_id = '$SMALL' AND status = 'PUBLISHED' ORDER BY id DESC OFFSET 99 LIMIT 1")")
    read150=(BENCH_CONSULTATION="$SMALL" BENCH_CURSOR= BENCH_PAGE_SIZE=100 BENCH_SECOND_SIZE=50 BENCH_SECOND_AFTER="$SMALL_AFTER")
    check=$(env BENCH_WRK_DIR=bench/wrk BENCH_THREADS=1 "${read150[@]}" BENCH_PRINT_BODY=1 wrk -t1 -c1 -d1s -s bench/wrk/comment_page.lua "http://$ADDR/graphql" 2>&1 | sed -n 's/^BODY //p' | head -n 1)
    got=$(curl -sS -H 'Content-Type: application/json' --data-binary "$check" "http://$ADDR/graphql" \
      | jq '[.data.consultation.first.edges[].node.id, .data.consultation.then.edges[].node.id] | unique | length')
    echo "the 150-comment read returns $got distinct comments" >&2
    wrk_run read150 comment_page.lua "$CONN" "$DURATION" "${read150[@]}"
    if [ -n "${BENCH_POLIS_URL:-}" ]; then
      polis_n=$(curl -sS "$BENCH_POLIS_URL" | jq 'length')
      echo "Polis ($BENCH_POLIS_URL) returns $polis_n comments" >&2
      WRK_TARGET="$BENCH_POLIS_URL" wrk_run polis_read150 get.lua "$CONN" "$DURATION"
    fi

    STALE_ROWS="${BENCH_STALE_ROWS:-1000000}"
    STALE_CONN="${BENCH_STALE_LATENCY_CONNECTIONS:-8}"
    remove_stale_copy
    sql "ALTER TABLE comments SET (autovacuum_enabled = off)"
    sql "ANALYZE comments"
    STALE=$(sql "SELECT gen_random_uuid()")
    ccols=$(sql "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name = 'consultations' AND column_name NOT IN ('id', 'title')
                   AND is_generated = 'NEVER' AND identity_generation IS NULL")
    sql "INSERT INTO consultations (id, title, $ccols) SELECT '$STALE', title || '$STALE_MARK', $ccols FROM consultations WHERE id = '$BIG'"
    cols=$(sql "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) FROM information_schema.columns
                WHERE table_schema = 'public' AND table_name = 'comments' AND column_name NOT IN ('id', 'consultation_id', 'client_request_id')
                  AND is_generated = 'NEVER' AND identity_generation IS NULL")
    copy_start=$(date +%s)
    # Ids in the order of the originals, time-ordered like the server's (UUIDv7: milliseconds first),
    # and their replies with them, so that a page of the copy reads what a page of the original does.
    sql "DROP TABLE IF EXISTS bench_stale_ids;
         CREATE UNLOGGED TABLE bench_stale_ids AS
         SELECT c.id AS old, CAST(overlay(overlay(md5(c.id::text || 'stale')
                placing lpad(to_hex(CAST(extract(epoch FROM now()) * 1000 AS bigint) + row_number() OVER (ORDER BY c.id)), 12, '0') FROM 1 FOR 12)
                placing '7' FROM 13 FOR 1) AS uuid) AS new
         FROM (SELECT id FROM comments WHERE consultation_id = '$BIG' AND status = 'PUBLISHED' ORDER BY id LIMIT $STALE_ROWS) c;
         INSERT INTO comments (id, consultation_id, $cols)
         SELECT m.new, '$STALE', $cols FROM bench_stale_ids m JOIN comments c ON c.id = m.old;
         INSERT INTO replies (id, comment_id, consultation_id, author_id, department_id, body, adoption, created_at)
         SELECT gen_random_uuid(), m.new, '$STALE', r.author_id, r.department_id, r.body, r.adoption, r.created_at
         FROM bench_stale_ids m JOIN replies r ON r.comment_id = m.old;
         DROP TABLE bench_stale_ids"
    STALE_N=$(sql "SELECT count(*) FROM comments WHERE consultation_id = '$STALE'")
    STALE_ESTIMATE=$(sql "EXPLAIN SELECT * FROM comments WHERE consultation_id = '$STALE'" | sed -n 's/.*rows=\([0-9]*\).*/\1/p' | head -n 1)
    STALE_DEEP=$((STALE_N / 20 < DEEP_PAGE ? STALE_N / 20 : DEEP_PAGE))
    STALE_CURSOR=$(comment_cursor "$(sql "SELECT id FROM comments WHERE consultation_id = '$STALE' AND status = 'PUBLISHED'
                                          ORDER BY id DESC OFFSET $(((STALE_DEEP - 1) * 20 - 1)) LIMIT 1")")
    echo "stale statistics: $STALE_N comments copied in $(($(date +%s) - copy_start)) s; the planner estimates $STALE_ESTIMATE" >&2
    for size in 20 100; do
      for conns in "$CONN" "$STALE_CONN"; do
        wrk_run "stale_page1_${size}_c$conns" comment_page.lua "$conns" "$DURATION" BENCH_CONSULTATION="$STALE" BENCH_CURSOR= BENCH_PAGE_SIZE=$size
        wrk_run "stale_deep_${size}_c$conns" comment_page.lua "$conns" "$DURATION" BENCH_CONSULTATION="$STALE" BENCH_CURSOR="$STALE_CURSOR" BENCH_PAGE_SIZE=$size
      done
    done
    STALE_ESTIMATE_AFTER=$(sql "EXPLAIN SELECT * FROM comments WHERE consultation_id = '$STALE'" | sed -n 's/.*rows=\([0-9]*\).*/\1/p' | head -n 1)
    remove_stale_copy
  fi

  # The cost of the request logs (issue 17): the comment page and the submission once more on a server
  # with them off (RUST_LOG=warn, as above) and then on one that writes every request's line as JSON
  # (RUST_LOG=info, LOG_FORMAT=json) into a file, alternating BENCH_LOGGING_ROUNDS times so that the
  # machine's drift falls on both alike; the summary gives each mode's median. The metrics are on in both.
  if [ "${BENCH_LOGGING:-1}" = "1" ]; then
    LOG_ROUNDS="${BENCH_LOGGING_ROUNDS:-3}"
    log "logging cost: page 1 and submissions with request logs off, then on, $LOG_ROUNDS times"
    rm -f "$OUT"/server_logs_*.log
    for round in $(seq 1 "$LOG_ROUNDS"); do
      for mode in off on; do
        stop_server
        if [ "$mode" = "on" ]; then
          start_server "$OUT/server_logs_on_r$round.log" RUST_LOG=info LOG_FORMAT=json
        else
          start_server "$OUT/server_logs_off_r$round.log"
        fi
        wrk_run "logs_${mode}_page1_r$round" comment_page.lua "$CONN" "$DURATION" BENCH_CONSULTATION="$BIG" BENCH_CURSOR=
        wrk_run "logs_${mode}_submit_r$round" submit_comment.lua "$CONN" "$DURATION" BENCH_TOKENS="$OUT/tokens.txt" \
          BENCH_CONSULTATION="$OPEN" BENCH_SECTIONS="$OPEN_SECTIONS"
      done
    done
    sleep 1
    LOG_LINES=$(cat "$OUT"/server_logs_on_r*.log | wc -l)
    LOG_BYTES=$(cat "$OUT"/server_logs_on_r*.log | wc -c)
  fi

  # Issue 16, before and after: the signed-in and moderation pages once more on another build of the
  # server (BENCH_BEFORE_BINARY, say the release binary of the commit before a change), restarted on the
  # same database, right after this build's figures.
  if [ -n "${BENCH_BEFORE_BINARY:-}" ] && [ -x "$BENCH_BEFORE_BINARY" ]; then
    log "signed-in pages on $BENCH_BEFORE_BINARY"
    stop_server
    SERVER_BIN="$BENCH_BEFORE_BINARY" start_server "$OUT/server_before.log"
    wrk_run before_page1_citizen comment_page.lua "$CONN" "$DURATION" BENCH_VIEW=citizen BENCH_TOKENS="$OUT/tokens.txt" \
      BENCH_CONSULTATION="$BIG" BENCH_CURSOR=
    wrk_run before_deep_citizen comment_page.lua "$CONN" "$DURATION" BENCH_VIEW=citizen BENCH_TOKENS="$OUT/tokens.txt" \
      BENCH_CONSULTATION="$BIG" BENCH_CURSOR="$DEEP_CURSOR"
    if [ -n "$ADMIN_TOKEN" ]; then
      wrk_run before_page1_staff comment_page.lua "$CONN" "$DURATION" BENCH_VIEW=staff BENCH_TOKENS="$OUT/admin_token.txt" \
        BENCH_CONSULTATION="$BIG" BENCH_CURSOR=
      wrk_run before_deep_staff comment_page.lua "$CONN" "$DURATION" BENCH_VIEW=staff BENCH_TOKENS="$OUT/admin_token.txt" \
        BENCH_CONSULTATION="$BIG" BENCH_CURSOR="$DEEP_CURSOR"
    fi
  fi
fi

# ---- summary --------------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
row() { # NAME LABEL CEILING CEILING_LABEL
  local rps
  rps=$(field "$1" rps)
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$2" "${rps:--}" "$(field "$1" p50_ms)" "$(field "$1" p99_ms)" \
    "$(field "$1" non2xx)" "$(field "$1" gql_errors)" "$(field "$1" socket_errors)" "$4" "$(ratio "$rps" "$(field "$3" rps)")" \
    "$(cat "$OUT/$1.load" 2>/dev/null)"
}
{
  echo "## Gongkai benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "machine: $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)), $(free -g | awk '/^Mem:/ {print $2}') GiB;" \
    "PostgreSQL $(sql 'SHOW server_version'); ${DURATION}s per run, $CONN connections (wrk: $WRK_THREADS threads; pgbench: -j 2); load generators share the machine;" \
    "load average before the run: $LOAD_START (anything above 0 is other work competing for the 2 cores)"
  echo "load: $(sql "SELECT count(*) FROM comments") comments, $PUBLISHED published on the big consultation; deep page = page $DEEP_PAGE"
  echo
  echo "| scenario | req/s | p50 ms | p99 ms | non-2xx | GraphQL errors | socket errors | ceiling | ratio | load at start / builds |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |"
  if [ "$ONLY" != "ceilings" ]; then
    row list "1. open consultations, first 20 (anonymous)" ceiling_page1 "raw page-1 read"
    row page1 "2a. comment page 1 of the big consultation" ceiling_page1 "raw page-1 read"
    row deep "2b. comment page $DEEP_PAGE of the big consultation" ceiling_deep "raw deep-page read"
    row page1_citizen "2c. comment page 1, $CONN signed-in citizens (with viewerHasEndorsed)" ceiling_page1 "raw page-1 read"
    row deep_citizen "2d. comment page $DEEP_PAGE, $CONN signed-in citizens (with viewerHasEndorsed)" ceiling_deep "raw deep-page read"
    row page1_staff "2e. comment page 1, moderation view (admin: report counts, author email)" ceiling_page1 "raw page-1 read"
    row deep_staff "2f. comment page $DEEP_PAGE, moderation view" ceiling_deep "raw deep-page read"
    row page1_apq "2g. comment page 1 as a persisted query over GET (anonymous)" ceiling_page1 "raw page-1 read"
    row submit "3. submit comment ($CONN signed-in citizens, one consultation)" ceiling_insert "raw insert"
    row login "4a. sign in" ceiling_argon2 "argon2id verify, $(nproc) threads"
    row login_flood "4b. sign-in flood ($FLOOD_CONN connections, during 4c)" ceiling_argon2 "argon2id verify"
    row list_flood "4c. open consultations during the sign-in flood" ceiling_page1 "raw page-1 read"
    row search_common "5a. staff search for a common word ($COMMON, in $COMMON_N comments), first 20 with totalCount" ceiling_page1 "raw page-1 read"
    row search_rare "5b. staff search for a rare word ($RARE, in $RARE_N comments), first 20 with totalCount" ceiling_page1 "raw page-1 read"
  fi
  row ceiling_insert "ceiling: pgbench raw INSERT of a comment row" ceiling_insert "itself"
  row ceiling_page1 "ceiling: pgbench raw read of comment page 1 (21 rows through comments_list_idx)" ceiling_page1 "itself"
  row ceiling_deep "ceiling: pgbench raw read of comment page $DEEP_PAGE" ceiling_deep "itself"
  row ceiling_argon2 "ceiling: argon2id verifications ($(nproc) threads)" ceiling_argon2 "itself"
  if [ "$ONLY" != "ceilings" ]; then
    echo
    echo "server memory during the scenarios: peak RSS (VmHWM) $((HWM / 1024)) MiB; sampled VmRSS $((RSS_MIN / 1024))–$((RSS_MAX / 1024)) MiB"
    echo "server settings: DATABASE_MAX_CONNECTIONS=${DB_POOL:-20 (default)}, SUBMISSION_WRITERS, PASSWORD_HASH_THREADS and RESPONSE_CACHE_MS at their defaults (cores, cores − 1, 1000 ms), RATE_LIMIT_* = 0;" \
      "each wrk scenario ran ${WARMUP}s unmeasured first (warm-up results on stderr)"
    echo
    if [ "${BENCH_LOGGING:-1}" = "1" ]; then
      echo "request logs (issue 17): the same two scenarios on restarted servers, logs off and on in turn, $LOG_ROUNDS rounds (JSON lines into a file: $LOG_LINES lines, $((LOG_BYTES / 1048576)) MiB); medians of the rounds, and each round's req/s off → on:"
      echo
      echo "| scenario | logs off, req/s | p99 ms | logs on, req/s | p99 ms | on / off | rounds, req/s off → on |"
      echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
      for s in page1 submit; do
        rounds=""
        for round in $(seq 1 "$LOG_ROUNDS"); do
          rounds="$rounds${rounds:+; }$(field "logs_off_${s}_r$round" rps) → $(field "logs_on_${s}_r$round" rps)"
        done
        off=$(median_field "logs_off_${s}_r" rps "$LOG_ROUNDS")
        on=$(median_field "logs_on_${s}_r" rps "$LOG_ROUNDS")
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$s" "$off" "$(median_field "logs_off_${s}_r" p99_ms "$LOG_ROUNDS")" \
          "$on" "$(median_field "logs_on_${s}_r" p99_ms "$LOG_ROUNDS")" "$(ratio "$on" "$off")" "$rounds"
      done
      echo
    fi
    if [ "${BENCH_UNCACHED:-1}" = "1" ]; then
      echo "reads without the response cache (issue 16; a server restarted with RESPONSE_CACHE_MS=0):"
      echo
      echo "| read | connections | req/s | p50 ms | p99 ms | non-2xx | GraphQL errors | socket errors | comments/s |"
      echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
      uncached_row() { # NAME LABEL CONNECTIONS COMMENTS_A_REQUEST
        local rps
        rps=$(field "$1" rps)
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$2" "$3" "${rps:--}" "$(field "$1" p50_ms)" "$(field "$1" p99_ms)" \
          "$(field "$1" non2xx)" "$(field "$1" gql_errors)" "$(field "$1" socket_errors)" \
          "$(awk -v r="$rps" -v n="$4" 'BEGIN { if (r == "") print "-"; else printf "%.0f", r * n }')"
      }
      uncached_row read150 "Gongkai: a 150-comment consultation, a page of 100 and the next 50 in one request" "$CONN" 150
      if [ -n "${BENCH_POLIS_URL:-}" ]; then
        uncached_row polis_read150 "Polis: a 150-comment conversation (GET /api/v3/comments), beside it" "$CONN" 150
        echo
        echo "Gongkai / Polis, whole 150-comment reads: $(ratio "$(field read150 rps)" "$(field polis_read150 rps)")"
        echo
        echo "| read | connections | req/s | p50 ms | p99 ms | non-2xx | GraphQL errors | socket errors | comments/s |"
        echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
      fi
      for size in 20 100; do
        for conns in "$CONN" "$STALE_CONN"; do
          uncached_row "stale_page1_${size}_c$conns" "stale statistics: page 1, $size a page" "$conns" "$size"
          uncached_row "stale_deep_${size}_c$conns" "stale statistics: page $STALE_DEEP, $size a page" "$conns" "$size"
        done
      done
      echo
      echo "stale statistics: a consultation of $STALE_N comments written after the last ANALYZE of comments, autovacuum off;" \
        "the planner estimated its comments at $STALE_ESTIMATE rows before the reads and $STALE_ESTIMATE_AFTER after them"
      echo
    fi
    if [ -n "${BENCH_BEFORE_BINARY:-}" ] && [ -x "$BENCH_BEFORE_BINARY" ]; then
      echo "signed-in pages (issue 16): this build against $BENCH_BEFORE_BINARY, restarted on the same database right after:"
      echo
      echo "| scenario | before, req/s | p99 ms | ratio to its raw read | after, req/s | p99 ms | ratio to its raw read |"
      echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
      for s in page1_citizen deep_citizen page1_staff deep_staff; do
        ceiling=ceiling_page1
        case $s in deep_*) ceiling=ceiling_deep ;; esac
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$s" "$(field "before_$s" rps)" "$(field "before_$s" p99_ms)" \
          "$(ratio "$(field "before_$s" rps)" "$(field "$ceiling" rps)")" "$(field "$s" rps)" "$(field "$s" p99_ms)" \
          "$(ratio "$(field "$s" rps)" "$(field "$ceiling" rps)")"
      done
      echo
    fi
    echo "search backfill (gongkai search-backfill, on this run): $(field backfill seconds) s for $(field backfill comments) comments looked at (0: already indexed by an earlier run)"
    echo
    echo "exports of the big consultation ($EXPORT_ROWS comments, every status), streamed by the admin through the signed link:"
    echo
    echo "| export | HTTP | bytes | MiB | seconds | MiB/s | server VmRSS before, MiB | server peak VmRSS during, MiB (0.2 s samples) | load at start / builds |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    for f in csv json; do
      if [ "$(field "export_$f" http)" = "" ]; then
        echo "| $f | failed | | | | | | | |"
        continue
      fi
      awk -v f="$(tr 'a-z' 'A-Z' <<<"$f")" -v code="$(field "export_$f" http)" -v b="$(field "export_$f" bytes)" \
        -v s="$(field "export_$f" seconds)" -v r0="$(field "export_$f" rss_before_kib)" -v r1="$(field "export_$f" rss_peak_kib)" \
        -v n="$(field "export_$f" samples)" -v l="$(cat "$OUT/export_$f.load" 2>/dev/null)" 'BEGIN {
          printf "| %s | %s | %d | %.1f | %.2f | %.1f | %.1f | %.1f (%d samples) | %s |\n", f, code, b, b / 1048576, s,
            (s > 0 ? b / 1048576 / s : 0), r0 / 1024, r1 / 1024, n, l }'
    done
  fi
} >"$OUT/summary.md"
log "summary ($OUT/summary.md)"
cat "$OUT/summary.md"
