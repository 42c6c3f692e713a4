-- Scenario 2: one page of the big consultation's comments, newest first.
-- BENCH_CONSULTATION: the consultation id; BENCH_CURSOR: the `after` cursor (empty: page 1).
-- BENCH_VIEW: who reads it (issue 16):
--   public   anonymous, the fields the public app shows (the default);
--   citizen  the same page with `viewerHasEndorsed`, signed in with BENCH_TOKENS (one token a citizen);
--   staff    the moderation view: the same page with report counts, moderation reason, duplicate count
--            and the author's email, signed in with BENCH_TOKENS (a staff member or admin).
-- BENCH_PAGE_SIZE, BENCH_SECOND_SIZE, BENCH_SECOND_AFTER: see below.
-- BENCH_APQ=1: the public page as an automatic persisted query over GET (the hash only, no text); the
--   hash must have been registered once (bench/run.sh sends the text with it first).
dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/common.lua")

local view = os.getenv("BENCH_VIEW") or "public"
local extra = ""
if view == "citizen" then
  extra = " viewerHasEndorsed"
elseif view == "staff" then
  extra = " reportCount moderationReason duplicateCount author { email }"
end
-- The page's text (comment_page.graphql, which bench/run.sh also hashes for BENCH_APQ), with the view's
-- fields added to each comment.
local dir = os.getenv("BENCH_WRK_DIR") or "bench/wrk"
local file = assert(io.open(dir .. "/comment_page.graphql", "r"))
local query = file:read("*a"):gsub("%s+$", "")
file:close()
query = query:gsub("endorsementCount", "endorsementCount" .. extra, 1)
-- BENCH_PAGE_SIZE: comments a page (20 by default, as the apps ask).
local size = tonumber(os.getenv("BENCH_PAGE_SIZE") or "20") or 20
query = query:gsub("comments%(first: 20,", "comments(first: " .. size .. ",", 1)
-- BENCH_SECOND_SIZE and BENCH_SECOND_AFTER: a second page of the same consultation in the same request
-- (BENCH_SECOND_SIZE comments after the comment cursor BENCH_SECOND_AFTER): two pages read at once, as
-- a client reading a whole short consultation does.
local second = tonumber(os.getenv("BENCH_SECOND_SIZE") or "0") or 0
local variables_extra = ""
if second > 0 then
  local connection = query:match("comments%(first: %d+, after: %$after%)( { edges .- pageInfo { hasNextPage endCursor } })")
  assert(connection, "comment_page.graphql changed shape")
  query = query:gsub("%(%$id: ID!, %$after: String%)", "($id: ID!, $after: String, $second: String)", 1)
  query = query:gsub("comments%(first: (%d+), after: %$after%)", "first: comments(first: %1, after: $after)", 1)
  local _, last = query:find("first: comments(first: " .. size .. ", after: $after)" .. connection, 1, true)
  assert(last, "comment_page.graphql changed shape")
  query = query:sub(1, last) .. " then: comments(first: " .. second .. ", after: $second)" .. connection .. query:sub(last + 1)
  variables_extra = ',"second":' .. json_string(os.getenv("BENCH_SECOND_AFTER") or "")
end
local cursor = os.getenv("BENCH_CURSOR") or ""
local after = (cursor == "") and "null" or json_string(cursor)
local variables = '{"id":' .. json_string(os.getenv("BENCH_CONSULTATION") or "") .. ',"after":' .. after .. variables_extra .. '}'
local body = '{"query":' .. json_string(query) .. ',"variables":' .. variables .. '}'

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- BENCH_PRINT_BODY=1: prints the request's body once (bench/run.sh checks what the page returns).
if os.getenv("BENCH_PRINT_BODY") == "1" then
  print("BODY " .. body)
end

local apq_path = nil
if os.getenv("BENCH_APQ") == "1" then
  local hash = os.getenv("BENCH_APQ_HASH") or ""
  apq_path = "/graphql?variables=" .. urlencode(variables)
    .. "&extensions=" .. urlencode('{"persistedQuery":{"version":1,"sha256Hash":"' .. hash .. '"}}')
end

function request()
  if apq_path then
    return wrk.format("GET", apq_path, {})
  end
  return wrk.format("POST", "/graphql", headers(), body)
end
