-- wrk script: every request books a queue number for a new citizen through the public API.
--
--   wrk -t2 -c64 -d10s --timeout 30s -s bench/wrk/booking.lua http://127.0.0.1:PORT \
--       -- TARGETS FIRST_CITIZEN
--
-- TARGETS: a file of "slot_id pact_version pact_sha256" lines (bench.http_load writes it from
-- the pact API). Each request picks one of them at random.
-- FIRST_CITIZEN: citizen numbers of this run start here; wrk thread t uses the 500,000 numbers
-- from FIRST_CITIZEN + t * 500,000, so NIKs and phones never repeat within a run, and runs with
-- bases 1,000,000 apart never share one. The NIK and phone of citizen n are made exactly as
-- bench.fixtures.nik_for and phone_for make them.
-- Each request also comes from an address of its own (X-Forwarded-For, read by the app when
-- ANTREAN_PROXY_COUNT=1): many citizens, not one bot.
--
-- At the end it prints one line "BENCH_RESULT {json}" with the counts by status and latency
-- percentiles; bench.http_load reads it.

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local targets = {}
local next_citizen = 0
statuses = {}

function init(args)
  for line in io.lines(args[1]) do
    local slot, version, sha = line:match("^(%d+) (%d+) (%x+)$")
    if slot then
      table.insert(targets, {slot, version, sha})
    end
  end
  assert(#targets > 0, "no targets in " .. args[1])
  next_citizen = tonumber(args[2]) + tid * 500000
  math.randomseed(os.time() + tid * 7919)
end

local function nik(n)
  local serial = n % 9999 + 1
  local rest = math.floor(n / 9999)
  local day = rest % 28 + 1
  rest = math.floor(rest / 28)
  local month = rest % 12 + 1
  rest = math.floor(rest / 12)
  local year = rest % 100
  return string.format("510301%02d%02d%02d%04d", day, month, year, serial)
end

local function phone(n)
  return string.format("0812%08d", n % 100000000)
end

local function address(n)
  return string.format("10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256,
    n % 256)
end

function request()
  local n = next_citizen
  next_citizen = next_citizen + 1
  local t = targets[math.random(#targets)]
  local body = string.format(
    '{"slot_id": %s, "name": "Ni Made Ayu Lestari", "nik": "%s", "whatsapp": "%s", '
      .. '"pact_version": %s, "pact_sha256": "%s", "pact_agreed": true, '
      .. '"whatsapp_consent": true}',
    t[1], nik(n), phone(n), t[2], t[3])
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = address(n),
  }
  return wrk.format("POST", "/api/v1/bookings", headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(counts) do
    table.insert(parts, string.format('"%d": %d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"duration_us": %d, "requests": %d, "bytes": %d, "statuses": {%s}, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.duration, summary.requests, summary.bytes, table.concat(parts, ", "),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
