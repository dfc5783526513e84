-- A worker that waited (BLPOP) for a job notes the one it got in the index of jobs popped but not
-- yet registered as started (see pop_job.lua, the step that pops and notes at once).
--
-- KEYS[1] the popped index (sorted set: job id -> when popped, ms on Redis's clock)
-- ARGV[1] job id
--
-- Returns 1.

local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
return 1
