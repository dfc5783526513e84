-- A job a worker has just taken from a queue while it waited (BLPOP, BLMOVE: Redis hands over the
-- job before anything can look at the queue's pause) goes back to the front of that queue when
-- the queue is paused now: a worker that was already waiting on the queue when it was paused takes
-- nothing from it. Checked and put back in one step, so a pause either comes before the check (the
-- job waits in its place) or after it (the job had been taken before the pause, as a running job
-- is). The job back on its queue is no longer noted as popped.
--
-- KEYS[1] the queue's pause key (jobs/queue_pause.py)  KEYS[2] the queue's list
-- KEYS[3] the queue's intermediate list (RQ moves the job there when it waits on one queue alone)
-- KEYS[4] the index of jobs popped but not yet registered (jobs/orphan_sweep.py)
-- ARGV[1] job id
--
-- Returns 1 when the job went back to its queue, 0 when the queue is open (the worker keeps it).

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('LREM', KEYS[3], 1, ARGV[1])
redis.call('LPUSH', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
return 1
