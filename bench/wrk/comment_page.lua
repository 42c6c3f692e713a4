-- Scenario 2: one page of the big consultation's comments, newest first.
-- BENCH_CONSULTATION: the consultation id; BENCH_CURSOR: the `after` cursor (empty: page 1).
-- BENCH_VIEW: who reads it (issue 16):
--   public   anonymous, the fields the public app shows (the default);
--   citizen  the same page with `viewerHasEndorsed`, signed in with BENCH_TOKENS (one token a citizen);
--   staff    the moderation view: the same page with report counts, moderation reason, duplicate count
--            and the author's email, signed in with BENCH_TOKENS (a staff member or admin).
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
local cursor = os.getenv("BENCH_CURSOR") or ""
local after = (cursor == "") and "null" or json_string(cursor)
local variables = '{"id":' .. json_string(os.getenv("BENCH_CONSULTATION") or "") .. ',"after":' .. after .. '}'
local body = '{"query":' .. json_string(query) .. ',"variables":' .. variables .. '}'

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
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
