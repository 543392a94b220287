-- wrk script: signed GitHub deliveries, each with a unique X-GitHub-Delivery.
-- The signature covers the body only, so one precomputed signature serves all.
local body_file = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = body_file:read("*a")
body_file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-GitHub-Event"] = os.getenv("EVENT")
wrk.headers["X-Hub-Signature-256"] = os.getenv("SIGNATURE")

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local counter = 0
function request()
  counter = counter + 1
  wrk.headers["X-GitHub-Delivery"] = string.format("bench-%d-%d-%d", os.time(), tid, counter)
  return wrk.format()
end
