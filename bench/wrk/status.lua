-- GET /api/v1/queue/status with one queue token (env TOKEN): the O(1) poll path.
wrk.method = "GET"
wrk.path = "/api/v1/queue/status"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
