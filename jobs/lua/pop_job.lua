-- A worker takes the first job of the first of its queues that has one (in the worker's order),
-- and notes it in the index of jobs popped but not yet registered as started, in the same step:
-- a worker (or a Redis) lost between this pop and the registration leaves the job "queued" on no
-- queue, and the index is where the workers' orphan sweep finds it (jobs/orphan_sweep.py).
--
-- KEYS[1] the popped index (sorted set: job id -> when popped, ms on Redis's clock)
-- KEYS[2...] the worker's queues (lists), in the order it takes from them
--
-- Returns {queue key, job id}, or {} when every queue is empty.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #KEYS do
  local job_id = redis.call('LPOP', KEYS[i])
  if job_id then
    redis.call('ZADD', KEYS[1], now, job_id)
    return {KEYS[i], job_id}
  end
end
return {}
