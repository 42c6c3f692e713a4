-- Scenario 3: signed-in citizens (one token per thread) submitting comments to one open consultation.
-- BENCH_CONSULTATION: its id; BENCH_SECTIONS: its section ids, comma-separated (optional).
dofile((os.getenv("BENCH_WRK_DIR") or "bench/wrk") .. "/common.lua")

local query = "mutation($input: SubmitCommentInput!) { submitComment(input: $input) { comment { id status } } }"
local consultation = os.getenv("BENCH_CONSULTATION") or ""
local sections = {}
for id in string.gmatch(os.getenv("BENCH_SECTIONS") or "", "[^,]+") do table.insert(sections, id) end
local stances = { "SUPPORT", "OPPOSE", "NEUTRAL" }
local counter = 0

function request()
  counter = counter + 1
  local text = string.format("基准测试评论：第%d号用户的第%d条意见。建议进一步明确适用范围，希望加强对老旧小区的改造力度，同时应当充分听取居民意见。", thread_index, counter)
  local input = '{"consultationId":' .. json_string(consultation)
    .. ',"stance":"' .. stances[(counter % 3) + 1] .. '"'
    .. ',"body":' .. json_string(text)
  if #sections > 0 and counter % 5 ~= 0 then
    input = input .. ',"sectionId":' .. json_string(sections[(counter % #sections) + 1])
  end
  input = input .. '}'
  local body = '{"query":' .. json_string(query) .. ',"variables":{"input":' .. input .. '}}'
  return wrk.format("POST", "/graphql", headers(), body)
end
