-- Shared by the scenario scripts: POST /graphql with JSON, bearer tokens for signed-in scenarios,
-- GraphQL errors counted in response(), and one machine-readable RESULT line printed by done().
--
-- Environment: BENCH_TOKENS (file, one token a line) for signed-in scenarios.
--
-- Tokens: with T threads and N tokens, thread t takes tokens t, t+T, t+2T, ... and its requests use
-- them in turn. wrk runs few threads (one per core) that each carry many connections; a thread's
-- connections each have one request in flight, issued in turn, so with as many tokens as connections
-- the requests in flight at any moment carry distinct tokens (distinct citizens).

local threads = {}
local tokens = nil

local function load_tokens()
  local path = os.getenv("BENCH_TOKENS")
  if not path or path == "" then return {} end
  local list = {}
  local file = io.open(path, "r")
  if not file then return {} end
  for line in file:lines() do
    if line ~= "" then table.insert(list, line) end
  end
  file:close()
  return list
end

-- Runs in the main Lua state, once per thread, before the threads start.
function setup(thread)
  if tokens == nil then tokens = load_tokens() end
  table.insert(threads, thread)
  local index = #threads
  thread:set("thread_index", index)
  if #tokens > 0 then
    local threads_total = tonumber(os.getenv("BENCH_THREADS") or "1") or 1
    local mine = {}
    for k = index, #tokens, threads_total do table.insert(mine, tokens[k]) end
    if #mine == 0 then table.insert(mine, tokens[((index - 1) % #tokens) + 1]) end
    thread:set("token_list", table.concat(mine, ","))
  end
end

-- The rest runs in each thread's own Lua state.
gql_errors = 0
first_error = nil
thread_index = 0
token_list = nil
local my_tokens = nil
local next_token = 0

-- The next of this thread's tokens, in turn (nil in anonymous scenarios).
local function take_token()
  if my_tokens == nil then
    my_tokens = {}
    for t in string.gmatch(token_list or "", "[^,]+") do table.insert(my_tokens, t) end
  end
  if #my_tokens == 0 then return nil end
  next_token = (next_token % #my_tokens) + 1
  return my_tokens[next_token]
end

function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    if c == "\n" then return "\\n" end
    return string.format("\\u%04x", string.byte(c))
  end) .. '"'
end

function headers()
  local h = { ["Content-Type"] = "application/json" }
  local token = take_token()
  if token then h["Authorization"] = "Bearer " .. token end
  return h
end

function response(status, hdrs, body)
  -- Non-2xx responses are counted by wrk itself; this counts GraphQL errors in any response.
  if body and string.find(body, '"errors"', 1, true) then
    gql_errors = gql_errors + 1
    if first_error == nil then first_error = string.sub(body, 1, 400) end
  end
end

function done(summary, latency, requests)
  local errors, sample = 0, nil
  for _, t in ipairs(threads) do
    errors = errors + (t:get("gql_errors") or 0)
    sample = sample or t:get("first_error")
  end
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f non2xx=%d gql_errors=%d socket_errors=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.status, errors, e.connect + e.read + e.write + e.timeout))
  if sample then io.write("FIRST_ERROR " .. sample:gsub("\n", " ") .. "\n") end
end
