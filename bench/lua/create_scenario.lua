-- POST /scenarios/: an unplayed scenario for a random loaded player.
local types = { "negotiation", "persuasion", "conflict", "interview" }

function request()
    local body = string.format(
        '{"player_id": %d, "scenario_type": "%s", "content": "Ask for a raise and hold '
            .. 'your ground when the answer is no.", "difficulty_level": %d}',
        random_player(), types[math.random(1, #types)], math.random(1, 10)
    )
    return wrk.format("POST", "/scenarios/", json_headers, body)
end
