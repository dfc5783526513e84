-- The worker is done with an attempt (its outcome recorded, or refused): its fence, liveness
-- deadline and any stop request left for it go, unless a newer attempt has taken the job since.
--
-- KEYS[1] the job's fence hash  KEYS[2] the liveness sorted set  KEYS[3] the job's stop request
-- ARGV[1] job id  ARGV[2] token
--
-- Returns 1 when removed, 0 when the fence belongs to another attempt.

if redis.call('HGET', KEYS[1], 'token') ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1], KEYS[3])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
