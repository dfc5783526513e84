-- One job's end, added to the rollups of each of its dimensions (all jobs, its queue, its task):
-- a count of its outcome and its run and wait times in the duration histogram, in the minute
-- bucket, the hour bucket and the all-time totals. One script: a job end costs no round trip of its
-- own when it goes into the transaction of the job's end (jobs/rollup_hooks.py).
-- Sums are whole microseconds (HINCRBY: about a third of HINCRBYFLOAT's time in Redis).
-- KEYS[1]: the set of dimension names; then per dimension: minute bucket, hour bucket, totals.
-- ARGV: minute TTL, hour TTL, outcome field, run bin field ('' when unknown), run microseconds,
--       wait bin field ('' when unknown), wait microseconds, then the dimension names.
--
-- Returns 1, or 0 when a write failed (a key of another type): the error is caught here, so the
-- transaction that carries the job's own end never reports a failure because of the rollups.
local run, wait = ARGV[4] ~= '', ARGV[6] ~= ''
local function add()
  for d = 1, (#KEYS - 1) / 3 do
    redis.call('SADD', KEYS[1], ARGV[7 + d])
    for k = 1, 3 do
      local key = KEYS[1 + (d - 1) * 3 + k]
      redis.call('HINCRBY', key, ARGV[3], 1)
      if run then
        redis.call('HINCRBY', key, ARGV[4], 1)
        redis.call('HINCRBY', key, 'rs', ARGV[5])
      end
      if wait then
        redis.call('HINCRBY', key, ARGV[6], 1)
        redis.call('HINCRBY', key, 'ws', ARGV[7])
      end
      if k < 3 then redis.call('EXPIRE', key, ARGV[k]) end
    end
  end
end
if pcall(add) then return 1 end
return 0
