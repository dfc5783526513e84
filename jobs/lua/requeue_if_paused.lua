-- A job a worker has just taken from a queue goes back to the front of that queue when the queue
-- is paused now: a worker that was already waiting on the queue when it was paused (or that read
-- the pauses just before) takes nothing from it. Checked and put back in one step, so a pause
-- either comes before the check (the job waits in its place) or after it (the job had been taken
-- before the pause, as a running job is).
--
-- KEYS[1] the queue's pause key (jobs/queue_pause.py)  KEYS[2] the queue's list
-- KEYS[3] the queue's intermediate list (RQ moves the job there when it waits on one queue alone)
-- ARGV[1] job id
--
-- Returns 1 when the job went back to its queue, 0 when the queue is open (the worker keeps it).

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('LREM', KEYS[3], 1, ARGV[1])
redis.call('LPUSH', KEYS[2], ARGV[1])
return 1
