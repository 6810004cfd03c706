-- GET /leaderboard?skip=S&limit=10: one page (skip from the bench; 0 is the top page).
function start()
    page = wrk.format("GET", "/leaderboard?skip=" .. (params.skip or "0") .. "&limit=10")
end

function request()
    return page
end
