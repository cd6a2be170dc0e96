-- wrk script for POST /api/v1/events: every event carries a unique idempotency key, so
-- each one is really stored (no duplicate short-cuts).
-- wrk ... -s bench/events.lua <url> -- <batch_size> <run_id> <customers> <api_key> <max_requests>
-- batch_size 1 posts a single event object; larger sizes post {"events": [...]}.

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  batch = tonumber(args[1])
  run_id = args[2]
  customers = tonumber(args[3])
  max_requests = tonumber(args[5])
  sent = 0
  counter = 0
  wrk.method = "POST"
  wrk.path = "/api/v1/events"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[4]
end

local types = {"purchase", "page.viewed", "feedback.submitted", "email.opened"}

local function event()
  counter = counter + 1
  local customer = (counter * 7919 + thread_id * 104729) % customers
  return string.format(
    '{"customer_id":"bench-%d","type":"%s","idempotency_key":"%s-%d-%d",' ..
    '"occurred_at":"2026-01-15T10:%02d:%02dZ","properties":{"amount":%d,"sku":"SKU-%d",' ..
    '"channel":"web"}}',
    customer, types[counter % 4 + 1], run_id, thread_id, counter,
    counter % 60, counter % 60, counter % 500, counter % 97)
end

function request()
  sent = sent + 1
  if batch == 1 then
    return wrk.format(nil, nil, nil, event())
  end
  local parts = {}
  for i = 1, batch do
    parts[i] = event()
  end
  return wrk.format(nil, nil, nil, '{"events":[' .. table.concat(parts, ",") .. ']}')
end

function response(status, headers, body)
  -- A bound on the request count besides wrk's bound on time.
  if sent >= max_requests then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
