-- GET /players/{id}/scenarios?limit=20: the first page of a random player's scenarios.
function request()
    return wrk.format("GET", "/players/" .. random_player() .. "/scenarios?limit=20")
end
