#!/usr/bin/env bash
# Where the CPU goes during one scenario: starts the release server against the seeded bench database,
# signs in 64 citizens, runs the scenario with wrk (warm-up, then measured), and prints wrk's RESULT line
# and the CPU time (utime + stime, in clock ticks: 100 a second per core) that the server, every
# PostgreSQL process, Redis and the whole machine spent during the measured part. The rest of the
# machine's busy time is wrk and the kernel. Run `bash bench/run.sh` once first (it builds and seeds).
#
#   bash bench/cpu-split.sh submit          # scenario 3 (default)
#   bash bench/cpu-split.sh page1           # comment page 1 of the big consultation, signed in (uncached)
#   bash bench/cpu-split.sh deep            # the deep page, signed in (uncached)
#   bash bench/cpu-split.sh list            # the open-consultation list, anonymous (cached)
#
# Settings (environment): BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_ADDR (default 127.0.0.1:18081),
# BENCH_DURATION (10), BENCH_WARMUP (3), BENCH_CONNECTIONS (64), BENCH_WRK_THREADS (2),
# BENCH_DATABASE_MAX_CONNECTIONS (unset: the server's default), BENCH_DEEP_PAGE (50000).
set -euo pipefail
cd "$(dirname "$0")/.."

SCENARIO="${1:-submit}"
DB_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/gongkai_bench}"
REDIS="${BENCH_REDIS_URL:-redis://127.0.0.1:6379}"
ADDR="${BENCH_ADDR:-127.0.0.1:18081}"
DURATION="${BENCH_DURATION:-10}"
WARMUP="${BENCH_WARMUP:-3}"
CONN="${BENCH_CONNECTIONS:-64}"
THREADS="${BENCH_WRK_THREADS:-2}"
DB_POOL="${BENCH_DATABASE_MAX_CONNECTIONS:-}"
OUT=target/bench
SEED="$OUT/seed.json"
[ -r "$SEED" ] || { echo "error: $SEED is missing: run bash bench/run.sh first" >&2; exit 1; }
[ -x target/release/gongkai ] || { echo "error: target/release/gongkai is missing: cargo build --release -p gongkai" >&2; exit 1; }

BIG=$(jq -r .big_consultation_id "$SEED")
OPEN=$(jq -r .open_consultation_id "$SEED")
OPEN_SECTIONS=$(jq -r '.open_section_ids | join(",")' "$SEED")
PATTERN=$(jq -r .citizen_email_pattern "$SEED")
PASSWORD=$(jq -r .password "$SEED")
CITIZENS=$(jq -r .citizen_count "$SEED")
TOKENS="$OUT/cpu-split-tokens.txt"

case "$SCENARIO" in
  submit) SCRIPT=submit_comment.lua; SCRIPT_ENV=(BENCH_TOKENS="$TOKENS" BENCH_CONSULTATION="$OPEN" BENCH_SECTIONS="$OPEN_SECTIONS") ;;
  page1) SCRIPT=comment_page.lua; SCRIPT_ENV=(BENCH_TOKENS="$TOKENS" BENCH_CONSULTATION="$BIG" BENCH_CURSOR=) ;;
  deep)
    SCRIPT=comment_page.lua
    published=$(psql "$DB_URL" -qAtX -c "SELECT count(*) FROM comments WHERE consultation_id = '$BIG' AND status = 'PUBLISHED'")
    page=$((published / 20))
    [ "$page" -gt "${BENCH_DEEP_PAGE:-50000}" ] && page="${BENCH_DEEP_PAGE:-50000}"
    after=$(psql "$DB_URL" -qAtX -c "SELECT id FROM comments WHERE consultation_id = '$BIG' AND status = 'PUBLISHED'
                                      ORDER BY id DESC OFFSET $(((page - 1) * 20 - 1)) LIMIT 1")
    # The server's cursor: the hex of the id's text (see comment_cursor in bench/run.sh).
    SCRIPT_ENV=(BENCH_TOKENS="$TOKENS" BENCH_CONSULTATION="$BIG" BENCH_CURSOR="$(printf '%s' "$after" | od -An -v -tx1 | tr -d ' \n')")
    ;;
  list) SCRIPT=list_consultations.lua; SCRIPT_ENV=() ;;
  *) echo "error: unknown scenario $SCENARIO (submit, page1, deep or list)" >&2; exit 1 ;;
esac

(exec 3<>"/dev/tcp/${ADDR%:*}/${ADDR##*:}") 2>/dev/null && { echo "error: something already listens on $ADDR" >&2; exit 1; }
env DATABASE_URL="$DB_URL" REDIS_URL="$REDIS" LISTEN_ADDR="$ADDR" RUST_LOG=warn ${DB_POOL:+"DATABASE_MAX_CONNECTIONS=$DB_POOL"} \
  SECRET_KEY=gongkai-bench-fixed-signing-key-not-a-secret-0123456789 \
  RATE_LIMIT_LOGIN_FAILURES=0 RATE_LIMIT_LOGIN_FAILURES_PER_ADDRESS=0 RATE_LIMIT_REGISTRATIONS_PER_HOUR=0 \
  RATE_LIMIT_COMMENTS_PER_MINUTE=0 RATE_LIMIT_COMMENTS_PER_DAY=0 RATE_LIMIT_REPORTS_PER_HOUR=0 \
  target/release/gongkai serve >"$OUT/cpu-split-server.log" 2>&1 &
SERVER_PID=$!
trap 'kill "$SERVER_PID" 2>/dev/null; rm -f "$TOKENS"' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://$ADDR/readyz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 20 "$OUT/cpu-split-server.log" >&2; exit 1; }
  sleep 0.5
done

: >"$TOKENS"
if [ "${#SCRIPT_ENV[@]}" -gt 0 ]; then
  for k in $(seq 0 $((CONN - 1))); do
    email=${PATTERN//\{i\}/$((1 + k * (CITIZENS / CONN)))}
    body=$(jq -nc --arg e "$email" --arg p "$PASSWORD" \
      '{query: "mutation($input: LoginInput!) { login(input: $input) { token } }", variables: {input: {email: $e, password: $p}}}')
    token=$(curl -sS -H 'Content-Type: application/json' --data "$body" "http://$ADDR/graphql" | jq -r '.data.login.token // empty')
    [ -n "$token" ] || { echo "error: login of $email failed" >&2; exit 1; }
    echo "$token" >>"$TOKENS"
  done
fi

drive() { # SECONDS
  env BENCH_WRK_DIR=bench/wrk BENCH_THREADS="$THREADS" ${SCRIPT_ENV[@]+"${SCRIPT_ENV[@]}"} \
    wrk -t"$THREADS" -c"$CONN" -d"$1s" --timeout 30s -s "bench/wrk/$SCRIPT" "http://$ADDR/graphql" | grep '^RESULT'
}
ticks() { # PID...: utime + stime of the processes still running
  local total=0 p
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
machine() { awk '/^cpu / {print $2 + $3 + $4 + $6 + $7 + $8, $5}' /proc/stat; } # busy, idle

[ "$WARMUP" -gt 0 ] && echo "warm-up $(drive "$WARMUP")"
# PostgreSQL backends that the pool opens during the run count from 0 (they did not exist before).
pg_before=$(ticks $(pgrep postgres)); server_before=$(ticks "$SERVER_PID"); redis_before=$(ticks $(pgrep redis-server))
read -r busy_before idle_before <<<"$(machine)"
result=$(drive "$DURATION")
pg_after=$(ticks $(pgrep postgres)); server_after=$(ticks "$SERVER_PID"); redis_after=$(ticks $(pgrep redis-server))
read -r busy_after idle_after <<<"$(machine)"
echo "$result"
requests=$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$result")
awk -v s=$((server_after - server_before)) -v p=$((pg_after - pg_before)) -v r=$((redis_after - redis_before)) \
  -v b=$((busy_after - busy_before)) -v i=$((idle_after - idle_before)) -v n="${requests:-0}" 'BEGIN {
    printf "CPU ticks (1/100 s): machine busy %d, idle %d; server %d, PostgreSQL %d, Redis %d, rest (wrk, kernel) %d\n", b, i, s, p, r, b - s - p - r
    if (n > 0) printf "per request: server %.3f ms, PostgreSQL %.3f ms, Redis %.3f ms, all %.3f ms\n", s * 10 / n, p * 10 / n, r * 10 / n, b * 10 / n
  }'
