-- The worker watching an attempt says it is alive. Refused (0) when the attempt is no longer the
-- job's current one: declared lost, replaced by a retry, or failed by RQ's own cleanup (its
-- started-registry entry is gone); the worker then stops its work horse.
--
-- KEYS[1] the job's fence hash  KEYS[2] the liveness sorted set  KEYS[3] the queue's started registry
-- ARGV[1] job id  ARGV[2] token  ARGV[3] liveness window (ms)
--
-- Returns 1 when renewed, else 0.

local fence = redis.call('HMGET', KEYS[1], 'token', 'state')
if fence[1] ~= ARGV[2] or fence[2] ~= 'running' then return 0 end
if not redis.call('ZSCORE', KEYS[3], ARGV[1] .. ':' .. ARGV[2]) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
return 1
