-- POST /enrich with a small JSON task (task-worker benchmark).
wrk.method = "POST"
wrk.path = "/enrich"
wrk.body = '{"id": "bench", "text": "Fix the urgent login bug before the release"}'
wrk.headers["Content-Type"] = "application/json"
dofile(os.getenv("SPANLINE_WRK_DIR") .. "/report.lua")
