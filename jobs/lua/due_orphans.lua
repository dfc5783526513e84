-- The orphan sweep's look: the jobs popped longer than ARGV[1] ms ago (on Redis's clock) that are
-- still in the popped index, that is, that no worker registered as started since. Nothing is
-- returned while Redis has just come back from an outage (KEYS[2], the grace set by
-- due_liveness.lua), nor before the liveness sweep has seen the gap (KEYS[3], when it last ran,
-- is older than ARGV[3] ms) and moved the pops' times on by it: the workers that popped jobs just
-- before the outage could not register them meanwhile.
--
-- KEYS[1] the popped index (sorted set: job id -> when popped, ms)  KEYS[2] the grace key
-- KEYS[3] when the last liveness sweep ran (ms)
-- ARGV[1] the orphan grace (ms)  ARGV[2] most ids returned  ARGV[3] longest normal gap between
-- sweeps (ms)
--
-- Returns {job id, ...}.

if redis.call('EXISTS', KEYS[2]) == 1 then return {} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if now - tonumber(redis.call('GET', KEYS[3]) or 0) > tonumber(ARGV[3]) then return {} end
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]), 'LIMIT', 0, tonumber(ARGV[2]))
