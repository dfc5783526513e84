-- One job's end, added to the rollups of each of its dimensions (all jobs, its queue, its task):
-- a count of its outcome and its run and wait times in the duration histogram, in the minute
-- bucket, the hour bucket and the all-time totals. One script: a job end costs one round trip.
-- KEYS[1]: the set of dimension names; then per dimension: minute bucket, hour bucket, totals.
-- ARGV: minute TTL, hour TTL, outcome, run bucket index ('' when unknown), run seconds,
--       wait bucket index ('' when unknown), wait seconds, then the dimension names.
local dims = (#KEYS - 1) / 3
for d = 1, dims do
  redis.call('SADD', KEYS[1], ARGV[7 + d])
  for k = 1, 3 do
    local key = KEYS[1 + (d - 1) * 3 + k]
    redis.call('HINCRBY', key, ARGV[3], 1)
    if ARGV[4] ~= '' then
      redis.call('HINCRBY', key, 'r' .. ARGV[4], 1)
      redis.call('HINCRBYFLOAT', key, 'rs', ARGV[5])
    end
    if ARGV[6] ~= '' then
      redis.call('HINCRBY', key, 'w' .. ARGV[6], 1)
      redis.call('HINCRBYFLOAT', key, 'ws', ARGV[7])
    end
    if k < 3 then redis.call('EXPIRE', key, ARGV[k]) end
  end
end
return dims
