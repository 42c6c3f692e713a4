-- Scenario 1: the first page of open consultations, anonymously.
dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/common.lua")

local query = "query { consultations(first: 20, filter: {status: OPEN}) { totalCount edges { cursor node { id title summary status category opensAt closesAt commentCount leadDepartment { id name } } } } }"
local body = '{"query":' .. json_string(query) .. '}'

function request()
  return wrk.format("POST", "/graphql", headers(), body)
end
