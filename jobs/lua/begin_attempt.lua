-- A worker starts an attempt at a job: the attempt's fence (its token, the execution id RQ gave
-- it) and its liveness deadline, which the worker's main process then renews while it watches the
-- work horse.
--
-- The job leaves the index of jobs popped but not yet registered (jobs/orphan_sweep.py).
--
-- KEYS[1] the job's fence hash (jobdeck:attempt:<job id>)  KEYS[2] the liveness sorted set
-- KEYS[3] the popped index
-- ARGV[1] job id  ARGV[2] token  ARGV[3] queue name  ARGV[4] worker name
-- ARGV[5] liveness window (ms)  ARGV[6] how long the fence is kept (s)
--
-- Deadlines are Redis's own clock (TIME), so workers on other machines need no synchronised clock.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], 'token', ARGV[2], 'state', 'running', 'queue', ARGV[3], 'worker', ARGV[4],
  'started', now)
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1
