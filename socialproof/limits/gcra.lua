-- One GCRA step for a key, atomically in Redis: the same step as sql/limits/take.sql and the
-- in-memory store, in whole microseconds, with Redis's own clock so that every machine agrees.
--
-- KEYS[1]   the key (prefix, policy and caller)
-- ARGV[1]   interval_us: microseconds one request holds (period / limit)
-- ARGV[2]   window_us: how far ahead of now the TAT may go (limit x interval)
-- Returns {admitted (1 or 0), ahead_us (the TAT after the step minus now)}.
-- The key expires when its TAT passes: then it is the same as a new one.
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local interval = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local tat = math.max(tonumber(redis.call('GET', KEYS[1]) or now), now)
local new_tat = tat + interval
if new_tat - now <= window then
    redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX',
               math.ceil((new_tat - now) / 1000))
    return {1, new_tat - now}
end
return {0, tat - now}
