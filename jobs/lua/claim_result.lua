-- An attempt asks to record its outcome (result, failure or retry). Granted only to the job's
-- current attempt while RQ still counts it as running; once granted the sweep leaves the job alone
-- (state "finishing", no liveness deadline) and RQ's started-registry entry is given a minute, so
-- neither the sweep nor RQ's cleanup can fail the job while the outcome is being written. A late
-- attempt (declared lost, then resumed) is refused: its outcome is never recorded. A granted claim
-- also writes the job's last heartbeat, as RQ does when a job's execution ends.
--
-- KEYS[1] the job's fence hash  KEYS[2] the liveness sorted set  KEYS[3] the queue's started registry
-- KEYS[4] the job's hash
-- ARGV[1] job id  ARGV[2] token  ARGV[3] seconds the started-registry entry is kept while writing
-- ARGV[4] the job's last heartbeat (RQ's time format)
--
-- Returns 1 when granted, 0 when refused.

local fence = redis.call('HMGET', KEYS[1], 'token', 'state')
if fence[1] ~= ARGV[2] or (fence[2] ~= 'running' and fence[2] ~= 'finishing') then return 0 end
local member = ARGV[1] .. ':' .. ARGV[2]
if not redis.call('ZSCORE', KEYS[3], member) then return 0 end
local t = redis.call('TIME')
redis.call('ZADD', KEYS[3], 'XX', tonumber(t[1]) + tonumber(ARGV[3]), member)
redis.call('HSET', KEYS[1], 'state', 'finishing')
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[4], 'last_heartbeat', ARGV[4])
return 1
