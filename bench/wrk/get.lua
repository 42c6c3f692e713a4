-- A plain GET of the URL wrk is given, with the same settings and RESULT line as the other scenarios:
-- another server's read run beside this one, for a comparison in the same run (bench/run.sh,
-- BENCH_POLIS_URL).
dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/common.lua")

function request()
  return wrk.format("GET")
end
