-- A worker on several queues takes the first job of the first of its queues that has one and is
-- not paused (in the worker's order), and notes it in the index of jobs popped but not yet
-- registered as started, in the same step: a paused queue is never popped from, and a worker (or
-- a Redis) lost between this pop and the registration leaves the job "queued" on no queue, where
-- the workers' orphan sweep finds it through the index (jobs/orphan_sweep.py).
--
-- KEYS[1] the popped index (sorted set: job id -> when popped, ms on Redis's clock)
-- KEYS[2], KEYS[3], ... pairs, one per queue in the order the worker takes from them: the queue's
-- list, then its pause key (jobs/queue_pause.py)
--
-- Returns {1, queue key, job id} when a job was taken, else {0, list key of each open queue, ...}
-- (all of them empty; none when every queue is paused).

local open = {0}
for i = 2, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i + 1]) == 0 then
    local job_id = redis.call('LPOP', KEYS[i])
    if job_id then
      local t = redis.call('TIME')
      redis.call('ZADD', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), job_id)
      return {1, KEYS[i], job_id}
    end
    table.insert(open, KEYS[i])
  end
end
return open
