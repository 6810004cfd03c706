-- POST /scenarios/{id}/result: each request plays a different unplayed scenario of the pool
-- the bench created (ids pool_first..pool_last). Thread n takes every threads-th id starting
-- at pool_first + n - 1, so no id is played twice (a replay would be a 409).
function start()
    next_id = tonumber(params.pool_first) + thread_number - 1
end

function request()
    local id = next_id
    next_id = next_id + threads
    local body = math.random() < 0.5 and '{"is_successful": true}'
        or '{"is_successful": false}'
    return wrk.format("POST", "/scenarios/" .. id .. "/result", json_headers, body)
end
