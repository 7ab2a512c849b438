-- wrk script: each request carries the next session cookie of the file named by BENCH_COOKIES
-- (one `name=value` a line), round and round, so the sessions' rows share the load.
local cookies = {}
local i = 0

function init(args)
  for line in io.lines(os.getenv("BENCH_COOKIES")) do
    cookies[#cookies + 1] = line
  end
end

function request()
  i = i % #cookies + 1
  return wrk.format(nil, nil, { Cookie = cookies[i] })
end
