-- GET /players/{id}/stats: a random loaded player's counts per scenario type.
function request()
    return wrk.format("GET", "/players/" .. random_player() .. "/stats")
end
