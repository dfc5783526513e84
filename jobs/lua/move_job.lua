-- A worker on one queue takes the queue's first job unless the queue is paused, moving it into the
-- queue's intermediate list as RQ's own LMOVE does (that list is the job's in-flight copy, which
-- the worker empties when it registers the job, and which RQ's cleanup looks at).
--
-- KEYS[1] the queue's pause key (jobs/queue_pause.py)  KEYS[2] the queue's list
-- KEYS[3] the queue's intermediate list
--
-- Returns, as pop_job.lua does, {1, queue key, job id} when a job was taken, else {0, queue key}
-- when the queue is empty, or {0} when it is paused.

if redis.call('EXISTS', KEYS[1]) == 1 then return {0} end
local job_id = redis.call('LMOVE', KEYS[2], KEYS[3], 'LEFT', 'RIGHT')
if job_id then return {1, KEYS[2], job_id} end
return {0, KEYS[2]}
