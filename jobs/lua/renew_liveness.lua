-- The worker watching an attempt says it is alive. Refused (0) when the attempt is no longer the
-- job's current one: declared lost, replaced by a retry, or failed by RQ's own cleanup (its
-- started-registry entry is gone); the worker then stops its work horse.
--
-- A stop request left for the job (jobs/stop_requests.py) is handed over at the same time.
--
-- KEYS[1] the job's fence hash  KEYS[2] the liveness sorted set  KEYS[3] the queue's started registry
-- KEYS[4] the job's stop request
-- ARGV[1] job id  ARGV[2] token  ARGV[3] liveness window (ms)  ARGV[4] the window while the
-- outcome is being written (ms)
--
-- Returns 0 when refused, 1 when renewed (or being written), 2 when renewed and the job is to be
-- stopped.

local fence = redis.call('HMGET', KEYS[1], 'token', 'state')
if fence[1] ~= ARGV[2] or fence[2] == 'lost' then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if fence[2] == 'finishing' then  -- its outcome is being written, with the longer window
  redis.call('ZADD', KEYS[2], 'XX', now + tonumber(ARGV[4]), ARGV[1])
  return 1
end
if not redis.call('ZSCORE', KEYS[3], ARGV[1] .. ':' .. ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
if redis.call('DEL', KEYS[4]) == 1 then return 2 end
return 1
