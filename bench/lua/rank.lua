-- GET /players/{id}/rank: a random loaded player's rank.
function request()
    return wrk.format("GET", "/players/" .. random_player() .. "/rank")
end
