-- wrk script: each request takes the next path of the file named by BENCH_PATHS (one path a
-- line), round and round, so a run spreads over many rows instead of one hot one.
local paths = {}
local i = 0

function init(args)
  for line in io.lines(os.getenv("BENCH_PATHS")) do
    paths[#paths + 1] = line
  end
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
