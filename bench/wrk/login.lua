-- Scenario 4: sign-ins with the bench password, each request a different citizen.
-- BENCH_EMAIL_PATTERN: e.g. citizen{i}@bench.gongkai.test; BENCH_CITIZENS: how many citizens exist;
-- BENCH_PASSWORD: their password.
dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/common.lua")

local query = "mutation($input: LoginInput!) { login(input: $input) { token } }"
local pattern = os.getenv("BENCH_EMAIL_PATTERN") or "citizen{i}@bench.gongkai.test"
local citizens = tonumber(os.getenv("BENCH_CITIZENS") or "1000") or 1000
local password = os.getenv("BENCH_PASSWORD") or ""
local counter = 0

function request()
  counter = counter + 1
  -- Spread over all citizens, so no account signs in twice in a row.
  local i = ((thread_index * 7919 + counter * 104729) % citizens) + 1
  local email = string.gsub(pattern, "{i}", tostring(i))
  local body = '{"query":' .. json_string(query) .. ',"variables":{"input":{"email":' .. json_string(email)
    .. ',"password":' .. json_string(password) .. '}}}'
  return wrk.format("POST", "/graphql", headers(), body)
end
