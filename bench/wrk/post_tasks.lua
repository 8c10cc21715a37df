-- POST /tasks (task-api benchmark; each request also calls task-worker).
wrk.method = "POST"
wrk.path = "/tasks"
wrk.body = '{"text": "Fix the urgent login bug before the release"}'
wrk.headers["Content-Type"] = "application/json"
dofile(os.getenv("SPANLINE_WRK_DIR") .. "/report.lua")
