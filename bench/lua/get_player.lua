-- GET /players/{id}: a random loaded player.
function request()
    return wrk.format("GET", "/players/" .. random_player())
end
