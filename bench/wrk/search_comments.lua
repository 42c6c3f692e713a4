-- Scenario 5: a staff search of the big consultation's comments (every status but WITHDRAWN), page 1
-- of 20 newest first with totalCount, signed in as the seeded admin (who moderates every consultation).
-- BENCH_CONSULTATION: the consultation id; BENCH_SEARCH: the words; BENCH_TOKENS: the admin's token.
dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/common.lua")

local query = "query($id: ID!, $search: String!) { consultation(id: $id) { comments(first: 20, search: $search) { totalCount edges { cursor node { id body stance status createdAt section { id ordinal } adoption } } pageInfo { hasNextPage endCursor } } } }"
local body = '{"query":' .. json_string(query) .. ',"variables":{"id":' .. json_string(os.getenv("BENCH_CONSULTATION") or "")
  .. ',"search":' .. json_string(os.getenv("BENCH_SEARCH") or "") .. '}}'

function request()
  return wrk.format("POST", "/graphql", headers(), body)
end
