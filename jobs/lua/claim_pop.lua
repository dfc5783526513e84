-- A worker that took a job a while ago (it may have been frozen or cut off from Redis since) makes
-- sure the job is still its own before it registers it as started: its entry in the popped index
-- is still there (the orphan sweep, or the site, removes it when it queues the job again) and the
-- job is not back on its queue. The entry is removed, so no sweep can queue the job again.
--
-- KEYS[1] the popped index  KEYS[2] the job's queue (list)
-- ARGV[1] job id
--
-- Returns 1 when the job is the worker's to run, 0 when it was queued again meanwhile.

if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('LPOS', KEYS[2], ARGV[1]) then return 0 end
return 1
