-- One connection per thread, each saving answers to its own assessment: the first line
-- of the plan file for thread 1, the second for thread 2, and so on. Each line holds,
-- tab-separated: the path, the bearer token, the version to start from and two JSON
-- bodies to alternate. Every 200 answer carries the next version; a thread reports the
-- last version acknowledged, and the count of answers other than 200, when it ends.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("number", counter)
  table.insert(threads, thread)
end

function init(args)
  local wanted = number
  local index = 0
  for line in io.lines(args[1]) do
    index = index + 1
    if index == wanted then
      local fields = {}
      for field in string.gmatch(line, "[^\t]+") do table.insert(fields, field) end
      path, token, version, bodies = fields[1], fields[2], tonumber(fields[3]),
                                     {fields[4], fields[5]}
    end
  end
  sent = 0
  bad = 0
  acknowledged = version
end

function request()
  sent = sent + 1
  return wrk.format("PUT", path, {["Authorization"] = "Bearer " .. token,
                                  ["Content-Type"] = "application/json",
                                  ["If-Match"] = tostring(version)}, bodies[sent % 2 + 1])
end

function response(status, headers, body)
  if status == 200 then
    version = tonumber(string.match(body, '"version":%s*(%d+)'))
    acknowledged = version
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    io.write(string.format("THREAD %s %s %s\n", thread:get("path"),
                           tostring(thread:get("acknowledged")), tostring(thread:get("bad"))))
  end
  io.write(string.format("LATENCY %d %d %d\n", latency:percentile(50),
                         latency:percentile(99), latency.max))
  io.write(string.format("ERRORS %d %d %d %d %d\n", summary.errors.connect,
                         summary.errors.read, summary.errors.write, summary.errors.status,
                         summary.errors.timeout))
end
