-- wrk script for the gatehouse benchmarks.
--   BODY    request body (POST); empty: GET
--   AUTHZ   Authorization header value (optional)
--   RT_FILE refresh tokens, one a line: rotation mode. Each wrk thread owns a
--           disjoint share; every request presents a token that was never
--           presented before (BODY is the prefix the token is appended to) and
--           the refresh_token of each 200 goes back to the thread's pool.
--   DPOP_FILE single-use DPoP proofs (RFC 9449), one a line: each request
--           sends the next one of its thread's disjoint share in a DPoP header.
--   DELAY_MS  pause of each connection before each request: a modest, steady
--           rate (about connections * 1000 / DELAY_MS req/s) instead of all
--           the box can take (bench/storm.sh's token load beside sign-ins).
local body = os.getenv("BODY") or ""
local authz = os.getenv("AUTHZ")
local rt_file = os.getenv("RT_FILE")
local dpop_file = os.getenv("DPOP_FILE")
local delay_ms = tonumber(os.getenv("DELAY_MS") or "")
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  good, bad, starved, sample = 0, 0, 0, nil
  if authz then wrk.headers["Authorization"] = authz end
  if body ~= "" then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
  local n = tonumber(os.getenv("THREADS") or "2")
  if rt_file then
    pool = {}
    local i = 0
    for line in io.lines(rt_file) do
      if (i % n) + 1 == id and #line > 0 then table.insert(pool, line) end
      i = i + 1
    end
  else
    fixed = wrk.format(nil, nil, nil, body ~= "" and body or nil)
  end
  if dpop_file then
    proofs, next_proof = {}, 1
    local i = 0
    for line in io.lines(dpop_file) do
      if (i % n) + 1 == id and #line > 0 then table.insert(proofs, line) end
      i = i + 1
    end
  end
end

if delay_ms then
  function delay() return delay_ms end
end

function request()
  if dpop_file then
    local p = proofs[next_proof]
    if p == nil then starved = starved + 1; p = "none" end
    proofs[next_proof] = nil
    next_proof = next_proof + 1
    wrk.headers["DPoP"] = p
    if not rt_file then return wrk.format(nil, nil, nil, body ~= "" and body or nil) end
  end
  if not rt_file then return fixed end
  local t = table.remove(pool, 1)
  if t == nil then starved = starved + 1; t = "none" end
  return wrk.format(nil, nil, nil, body .. t)
end

function response(status, headers, resp)
  if status == 200 then
    good = good + 1
    if rt_file then
      local t = resp:match('"refresh_token":"([^"]+)"')
      if t then table.insert(pool, t) end
    end
  else
    bad = bad + 1
    if sample == nil then sample = status .. " " .. resp:sub(1, 160) end
  end
end

function done(summary, latency, requests)
  local g, b, s = 0, 0, 0
  for _, t in ipairs(threads) do
    g = g + t:get("good"); b = b + t:get("bad"); s = s + t:get("starved")
    if t:get("sample") then io.stderr:write("non-200: " .. t:get("sample") .. "\n") end
  end
  io.write(string.format("RESULT ok=%d bad=%d starved=%d errors=%d rps=%.0f p50=%.2f p99=%.2f\n",
    g, b, s, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout + summary.errors.status, g / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
