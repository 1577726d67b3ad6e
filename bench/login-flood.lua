-- wrk: wrong-password logins for one account (bench/login-flood).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"flood-target","password":"not the password"}'
