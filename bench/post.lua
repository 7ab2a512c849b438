-- wrk script: POSTs the form bodies of the file named by BENCH_BODIES (one a line, each used
-- once while they last) to BENCH_POST_PATH, and counts the answers: `ok` (2xx and 3xx),
-- `overloaded` (503) and `with_retry_after` (503 with Retry-After). Prints the counts at the end.
local bodies = {}
local i = 0
local threads = {}
ok, overloaded, with_retry_after, other = 0, 0, 0, 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("BENCH_BODIES")) do
    bodies[#bodies + 1] = line
  end
  path = os.getenv("BENCH_POST_PATH")
end

function request()
  i = i % #bodies + 1
  return wrk.format("POST", path, { ["Content-Type"] = "application/x-www-form-urlencoded" }, bodies[i])
end

function response(status, headers, body)
  if status < 400 then
    ok = ok + 1
  elseif status == 503 then
    overloaded = overloaded + 1
    if headers["Retry-After"] or headers["retry-after"] then
      with_retry_after = with_retry_after + 1
    end
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local t = { ok = 0, overloaded = 0, with_retry_after = 0, other = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do
      t[k] = t[k] + thread:get(k)
    end
  end
  io.write(string.format("answers ok=%d overloaded=%d with_retry_after=%d other=%d max_ms=%.1f\n",
    t.ok, t.overloaded, t.with_retry_after, t.other, latency.max / 1000))
end
