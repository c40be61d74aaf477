-- The baseline: GET / of the bare aiohttp hello-world server (a constant body).
dofile(debug.getinfo(1, "S").source:match("^@(.*[/\\])") .. "report.lua")

wrk.method = "GET"
wrk.path = "/"
