-- What the site needs to know of a queued or started job it shows, in one atomic step: whether its
-- queue has an expired started-registry entry (a lost worker's), whether the job is orphaned (it
-- says "queued" but is on no queue, on no single-queue worker's in-flight list, and no execution
-- of it is registered as started: a worker popped it and died before registering), and where it
-- stands in its queue. With ARGV[3] = "1", an orphan is pushed back on its queue in the same step.
--
-- KEYS[1] the job's hash          KEYS[2] the job's executions (sorted set)
-- KEYS[3] the job's queue (list)  KEYS[4] the queue's in-flight list  KEYS[5] its started registry
-- KEYS[6] the set of all queue keys (rq:queues)
-- KEYS[7] the index of jobs popped but not registered (jobs/orphan_sweep.py): a requeued orphan
-- leaves it in the same step, so the worker that popped it, should it resume, does not run it
-- ARGV[1] the job id  ARGV[2] the time now (Unix seconds)  ARGV[3] "1" to requeue an orphan, else "0"
--
-- Returns {expired, orphaned, position, requeued}: expired, orphaned and requeued are 0 or 1;
-- position is the number of jobs ahead in the queue, -1 when the job is on no queue, -2 when it
-- is not "queued" (no orphan test, no position).

local expired = 0
if redis.call('ZCOUNT', KEYS[5], 0, ARGV[2]) > 0 then expired = 1 end
if redis.call('HGET', KEYS[1], 'status') ~= 'queued' then return {expired, 0, -2, 0} end
local position = redis.call('LPOS', KEYS[3], ARGV[1])
if position then return {expired, 0, position, 0} end
if redis.call('LPOS', KEYS[4], ARGV[1]) then return {expired, 0, -1, 0} end
for _, execution in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if redis.call('ZSCORE', KEYS[5], ARGV[1] .. ':' .. execution) then return {expired, 0, -1, 0} end
end
if ARGV[3] ~= '1' then return {expired, 1, -1, 0} end
redis.call('ZREM', KEYS[7], ARGV[1])
redis.call('RPUSH', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[6], KEYS[3])
return {expired, 1, -1, 1}
