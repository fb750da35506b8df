-- bench/api wrk script: POST /runs or GET /runs?property=flowId==X&limit=100 at a fixed rate.
--   wrk -t T -c C -d 60s -s wrk.lua URL -- MODE RATE THREADS DIR
-- (the same values may be given as BENCH_MODE, BENCH_RATE, BENCH_THREADS, BENCH_DIR in the environment;
-- done() runs in wrk's main Lua state, which only sees the environment).
-- MODE create|list|dataset (POST /dataSets, the many-writers bench: writers.sh); RATE total requests/s (0: as fast as possible, closed loop); THREADS = -t;
-- DIR holds flows.txt and headers.lua written by seed.mjs. Each request picks one of the flows
-- at random.
--
-- Pacing: Debian's wrk is wrk 4 (no -R). Each thread hands out send slots every THREADS/RATE
-- seconds from delay(), which wrk calls before every request on a connection; a connection that
-- comes back late gets a slot in the past and sends at once, so a slow server is not rewarded
-- with fewer requests (the open-loop schedule of wrk2) as long as connections are free. wrk 4
-- starts a request's latency clock when it writes it, so time spent waiting for a free connection
-- is not counted: the achieved rate is printed so that a shortfall is visible.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk, bench_timespec *ts);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local counter = 0
local threads = {}
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

local mode, interval_ms, next_slot
local flows = {}
local headers

function init(args)
  mode = args[1] or os.getenv("BENCH_MODE") or "list"
  local rate = tonumber(args[2] or os.getenv("BENCH_RATE") or "0")
  local nthreads = tonumber(args[3] or os.getenv("BENCH_THREADS") or "1")
  local dir = args[4] or os.getenv("BENCH_DIR") or "."
  if rate > 0 then interval_ms = 1000 * nthreads / rate end
  for line in io.lines(dir .. "/flows.txt") do
    if #line > 0 then flows[#flows + 1] = line end
  end
  headers = dofile(dir .. "/headers.lua")
  if mode ~= "list" then headers["Content-Type"] = "application/json" end
  math.randomseed(os.time() * 1000 + (tid or 0))
  -- Spread the threads' schedules so that they do not send in lock step.
  if interval_ms then next_slot = now_ms() + interval_ms * ((tid or 1) - 1) / nthreads end
end

function delay()
  if not interval_ms then return 0 end
  local t = now_ms()
  local d = next_slot - t
  next_slot = next_slot + interval_ms
  if d < 0 then return 0 end
  return math.floor(d)
end

local path_runs = "/data/foundation/flowservice/runs"
local W0 = 1735689600 -- 2025-01-01: after every seeded window

local path_datasets = "/data/foundation/catalog/dataSets"
local made = 0

function request()
  if mode == "dataset" then
    made = made + 1
    return wrk.format("POST", path_datasets, headers,
                      '{"name":"writer ' .. (tid or 0) .. '-' .. made .. '"}')
  end
  local flow = flows[math.random(#flows)]
  if mode == "create" then
    local k = math.random(0, 1000000)
    local s = W0 + k * 3600
    local body = '{"flowId":"' .. flow .. '","params":{"windowStartTime":"' .. s ..
        '","windowEndTime":"' .. (s + 3600) .. '","deltaColumn":{"name":"updated_at"}}}'
    return wrk.format("POST", path_runs, headers, body)
  end
  return wrk.format("GET", path_runs .. "?property=flowId==" .. flow .. "&limit=100", headers)
end

function done(summary, latency, requests)
  mode = mode or os.getenv("BENCH_MODE") or "?"
  local secs = summary.duration / 1e6
  local errs = summary.errors
  local bad = errs.connect + errs.read + errs.write + errs.timeout + errs.status
  io.write(string.format(
    "RESULT mode=%s requests=%d seconds=%.1f rate=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f " ..
    "p999_ms=%.2f max_ms=%.2f mean_ms=%.2f errors=%d non2xx=%d bytes=%d\n",
    mode, summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency:percentile(99.9) / 1000, latency.max / 1000, latency.mean / 1000,
    bad, errs.status, summary.bytes))
end
