-- POST /scenarios/ with an Idempotency-Key: the same unplayed scenario as create_scenario, each
-- request under a key of its own (the run's tag, the thread, its counter), so every one runs:
-- what claiming a key and keeping the answer add to a write.
local types = { "negotiation", "persuasion", "conflict", "interview" }

function request()
    counter = counter + 1
    local headers = { ["Idempotency-Key"] = string.format("b%st%dn%d", params.tag, thread_number, counter) }
    for name, value in pairs(json_headers) do
        headers[name] = value
    end
    local body = string.format(
        '{"player_id": %d, "scenario_type": "%s", "content": "Ask for a raise and hold '
            .. 'your ground when the answer is no.", "difficulty_level": %d}',
        random_player(), types[math.random(1, #types)], math.random(1, 10)
    )
    return wrk.format("POST", "/scenarios/", headers, body)
end
