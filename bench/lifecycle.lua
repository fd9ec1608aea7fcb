-- wrk script: whole refresh-token families, born and abandoned, for
-- bench/purge.sh. Each wrk thread keeps a queue of next steps; a step is
-- one request:
--   authorize  GET AUTHZ_PATH with the signed-in browser's COOKIE (a
--              trusted client: no consent) -> 302 with a code
--   exchange   POST /token with the code and the fixed PKCE VERIFIER
--   refresh    POST /token with the newest refresh token
-- After each token answer the family goes on with probability
-- 1 - 1/ROTATIONS, else it is abandoned (its tokens then expire and the
-- purge must delete them). An empty queue starts a new family.
--   AUTHZ_PATH COOKIE VERIFIER CLIENT REDIRECT ROTATIONS (default 20)
--   DELAY_MS   pause of each connection before each request (a paced load)
local authz_path = os.getenv("AUTHZ_PATH")
local cookie = os.getenv("COOKIE")
local verifier = os.getenv("VERIFIER")
local client = os.getenv("CLIENT")
local redirect = os.getenv("REDIRECT")
local rotations = tonumber(os.getenv("ROTATIONS") or "20")
local delay_ms = tonumber(os.getenv("DELAY_MS") or "")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  queue, good, bad, families, sample = {}, 0, 0, 0, nil
  math.randomseed(os.time() + #threads * 7919 + math.floor(os.clock() * 1e6))
end

if delay_ms then
  function delay() return delay_ms end
end

local form = { ["Content-Type"] = "application/x-www-form-urlencoded" }

function request()
  local step = table.remove(queue, 1)
  if step == nil then
    families = families + 1
    return wrk.format("GET", authz_path, { ["Cookie"] = cookie }, nil)
  end
  if step.code then
    return wrk.format("POST", "/token", form, "grant_type=authorization_code&code=" .. step.code ..
      "&redirect_uri=" .. redirect .. "&client_id=" .. client .. "&code_verifier=" .. verifier)
  end
  return wrk.format("POST", "/token", form, "grant_type=refresh_token&client_id=" .. client ..
    "&refresh_token=" .. step.rt)
end

function response(status, headers, body)
  if status == 302 then
    local code = (headers["Location"] or ""):match("[?&]code=([^&]+)")
    if code then
      good = good + 1
      table.insert(queue, { code = code })
      return
    end
  elseif status == 200 then
    good = good + 1
    local rt = body:match('"refresh_token":"([^"]+)"')
    if rt and math.random() > 1 / rotations then table.insert(queue, { rt = rt }) end
    return
  end
  bad = bad + 1
  if sample == nil then sample = status .. " " .. body:sub(1, 160) end
end

function done(summary, latency, requests)
  local g, b, f = 0, 0, 0
  for _, t in ipairs(threads) do
    g = g + t:get("good"); b = b + t:get("bad"); f = f + t:get("families")
    if t:get("sample") then io.stderr:write("non-2xx/302: " .. t:get("sample") .. "\n") end
  end
  io.write(string.format("RESULT ok=%d bad=%d families=%d rps=%.0f p50=%.2f p99=%.2f\n",
    g, b, f, g / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
end
