-- Shared by every endpoint script; the bench puts it first, then the endpoint's own file.
--
-- Each wrk thread runs in its own Lua state: setup() numbers the threads so that an endpoint
-- can split its work between them (unique usernames, disjoint slices of the result pool)
-- without any shared state. Arguments come after `--` as key=value.

local thread_total = 0

function setup(thread)
    thread_total = thread_total + 1
    thread:set("thread_number", thread_total)
end

function init(args)
    params = {}
    for _, arg in ipairs(args) do
        local key, value = arg:match("^([%w_]+)=(.*)$")
        if key then
            params[key] = value
        end
    end
    players = tonumber(params.players)
    threads = tonumber(params.threads)
    counter = 0
    json_headers = { ["Content-Type"] = "application/json" }
    -- The token of a game server, for the service with accounts; the others ignore it.
    if params.token then
        json_headers["Authorization"] = "Bearer " .. params.token
    end
    math.randomseed(tonumber(params.seed) + thread_number * 7919)
    if start then
        start()
    end
end

function random_player()
    return math.random(1, players)
end

-- One JSON line on stdout, which the bench reads; latencies in microseconds.
function done(summary, latency, requests)
    local errors = summary.errors
    io.write(string.format(
        'BENCH_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, '
            .. '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\n',
        summary.requests, summary.duration, errors.connect, errors.read, errors.write,
        errors.status, errors.timeout, latency:percentile(50), latency:percentile(99)
    ))
end
