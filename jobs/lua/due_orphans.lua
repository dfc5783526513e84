-- The orphan sweep's look: the jobs popped longer than ARGV[1] ms ago (on Redis's clock) that are
-- still in the popped index, that is, that no worker registered as started since. Nothing is
-- returned while Redis has just come back from an outage (KEYS[2], set by due_liveness.lua):
-- the workers that popped jobs just before it have not had the time to register them.
--
-- KEYS[1] the popped index (sorted set: job id -> when popped, ms)  KEYS[2] the grace key
-- ARGV[1] the orphan grace (ms)  ARGV[2] most ids returned
--
-- Returns {job id, ...}.

if redis.call('EXISTS', KEYS[2]) == 1 then return {} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]), 'LIMIT', 0, tonumber(ARGV[2]))
