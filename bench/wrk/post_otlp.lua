-- POST /v1/traces with a pre-encoded OTLP protobuf body read from the file
-- named by SPANLINE_OTLP_BODY (collector benchmark).
local f = assert(io.open(os.getenv("SPANLINE_OTLP_BODY"), "rb"))
wrk.method = "POST"
wrk.path = "/v1/traces"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/x-protobuf"
dofile(os.getenv("SPANLINE_WRK_DIR") .. "/report.lua")
