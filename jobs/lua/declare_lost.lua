-- The sweep declares an attempt lost: its deadline passed and it is still the job's running
-- attempt. The fence says "lost" (so the attempt, should it resume, can record nothing) and its
-- started-registry entry is made expired, so RQ's own cleanup of that registry fails the job, or
-- retries it, exactly as it does for a worker whose heartbeat ran out.
--
-- KEYS[1] the job's fence hash  KEYS[2] the liveness sorted set  KEYS[3] the queue's started registry
-- ARGV[1] job id
--
-- An attempt that was writing its outcome ("finishing", a longer deadline) is declared lost too
-- unless its outcome is written (RQ's entry is gone).
--
-- Returns {token, worker name, ms since the last renewal's deadline, the attempt's state} when
-- declared lost, else {}.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local deadline = tonumber(redis.call('ZSCORE', KEYS[2], ARGV[1]))
if not deadline or deadline > now then return {} end
redis.call('ZREM', KEYS[2], ARGV[1])
local fence = redis.call('HMGET', KEYS[1], 'token', 'state', 'worker')
if not fence[1] or (fence[2] ~= 'running' and fence[2] ~= 'finishing') then return {} end
-- a worker lost while writing its outcome: if RQ's entry is gone, the outcome was written
if fence[2] == 'finishing' and not redis.call('ZSCORE', KEYS[3], ARGV[1] .. ':' .. fence[1]) then return {} end
redis.call('HSET', KEYS[1], 'state', 'lost')
redis.call('ZADD', KEYS[3], 'XX', 1, ARGV[1] .. ':' .. fence[1])
return {fence[1], fence[3] or '', now - deadline, fence[2]}
