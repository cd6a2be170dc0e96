-- wrk script for the ways in of bench/http_ways.py: every request carries unique ids, so
-- each accepted call is a new event (and one run), and the answers are counted by class.
-- A 429 (Keepflow far behind: apps/handoff/admission.py) is counted apart, and the client
-- waits as its Retry-After says before its next call, as Segment's libraries do.
-- wrk ... -s bench/ways.lua <url> -- <way> <batch> <run_id> <customers> <auth header> <path>
-- way: events (POST /api/v1/events, one object or {"events": [...]} by batch), webhook
-- (the workflow's inbound URL), track (Segment-compatible /v1/track).

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  way = args[1]
  batch = tonumber(args[2])
  run_id = args[3]
  customers = tonumber(args[4])
  counter = 0
  ok, refused4xx, failed5xx, busy429, pause_ms = 0, 0, 0, 0, 0
  wrk.method = "POST"
  wrk.path = args[6]
  wrk.headers["Content-Type"] = "application/json"
  if args[5] ~= "" then
    wrk.headers["Authorization"] = args[5]
  end
end

local function customer()
  counter = counter + 1
  return (counter * 7919 + thread_id * 104729) % customers
end

local function event()
  local c = customer()
  return string.format(
    '{"customer_id":"w-%d","type":"feedback.submitted","idempotency_key":"%s-%d-%d",' ..
    '"properties":{"score":%d}}', c, run_id, thread_id, counter, counter % 11)
end

function request()
  if way == "webhook" then
    local c = customer()
    wrk.headers["Idempotency-Key"] = string.format("%s-%d-%d", run_id, thread_id, counter)
    return wrk.format(nil, nil, nil, string.format(
      '{"respondent":{"id":"w-%d"},"answers":[{"score":%d}]}', c, counter % 11))
  elseif way == "track" then
    local c = customer()
    return wrk.format(nil, nil, nil, string.format(
      '{"userId":"w-%d","event":"feedback.submitted","messageId":"%s-%d-%d",' ..
      '"properties":{"score":%d}}', c, run_id, thread_id, counter, counter % 11))
  elseif batch == 1 then
    return wrk.format(nil, nil, nil, event())
  end
  local parts = {}
  for i = 1, batch do
    parts[i] = event()
  end
  return wrk.format(nil, nil, nil, '{"events":[' .. table.concat(parts, ",") .. ']}')
end

function delay()
  local pause = pause_ms
  pause_ms = 0
  return pause
end

function response(status, headers, body)
  if status == 429 then
    busy429 = busy429 + 1
    pause_ms = (tonumber(headers["Retry-After"]) or 1) * 1000
  elseif status >= 500 then
    failed5xx = failed5xx + 1
  elseif status >= 400 then
    refused4xx = refused4xx + 1
  else
    ok = ok + 1
  end
end

function done(summary, latency, requests)
  local good, bad4, bad5, busy = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    good = good + thread:get("ok")
    bad4 = bad4 + thread:get("refused4xx")
    bad5 = bad5 + thread:get("failed5xx")
    busy = busy + thread:get("busy429")
  end
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"ok":%d,"status_4xx":%d,"status_5xx":%d,' ..
    '"status_429":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, good, bad4, bad5, busy,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
