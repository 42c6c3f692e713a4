-- Scenario 2: one page of the big consultation's comments, newest first, anonymously.
-- BENCH_CONSULTATION: the consultation id; BENCH_CURSOR: the `after` cursor (empty: page 1).
dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/common.lua")

local query = "query($id: ID!, $after: String) { consultation(id: $id) { comments(first: 20, after: $after) { edges { cursor node { id body stance status createdAt endorsementCount author { displayName } section { id ordinal heading } replies { id body adoption createdAt department { id name } } } } pageInfo { hasNextPage endCursor } } } }"
local cursor = os.getenv("BENCH_CURSOR") or ""
local after = (cursor == "") and "null" or json_string(cursor)
local body = '{"query":' .. json_string(query) .. ',"variables":{"id":' .. json_string(os.getenv("BENCH_CONSULTATION") or "") .. ',"after":' .. after .. '}}'

function request()
  return wrk.format("POST", "/graphql", headers(), body)
end
