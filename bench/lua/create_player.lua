-- POST /players/: a new player per request. The run's tag, the thread's number and the
-- thread's own counter make every username (and email) unique across threads, connections and
-- earlier runs; 'b' + 8 + 't' + 2 + 'n' + 8 characters stays within the 32 allowed.
function request()
    counter = counter + 1
    local name = string.format("b%st%dn%d", params.tag, thread_number, counter)
    local body = '{"username": "' .. name .. '", "email": "' .. name .. '@example.com"}'
    return wrk.format("POST", "/players/", json_headers, body)
end
