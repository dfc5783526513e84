-- A job of an owner's history has ended (finished, failed, stopped, canceled) or its data is gone
-- ("expired"): move its entry from the owner's active indexes to the indexes of that status, in the
-- same step as its outcome, note when its data expires, and let its log lines live as long as it.
-- Entries in the other status indexes are removed, so an entry is in exactly one of them.
-- Key names are built here from KEYS[1] and KEYS[2] (history_index.py names the same suffixes).
--
-- KEYS[1] the owner's index   KEYS[2] the owner's index for the job's task
-- KEYS[3] the job's hash      KEYS[4] the job's log (list)
-- ARGV[1] the member ("<job id>:<task>")  ARGV[2] the status ("finished", ..., "expired")
-- ARGV[3] the time now (seconds)  ARGV[4] the job's TTL when its hash has none yet (seconds, 0: none)
-- ARGV[5] the oldest score kept  ARGV[6] the indexes' TTL (seconds)  ARGV[7..] every status index name
--
-- Returns 1 when the entry was moved, 0 when the owner's index does not hold it (pruned, deleted).

local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return 0 end
for _, prefix in ipairs({KEYS[1], KEYS[2]}) do
  redis.call('ZREM', prefix .. ':active', ARGV[1])
  for i = 7, #ARGV do
    if ARGV[i] ~= ARGV[2] then redis.call('ZREM', prefix .. ':status:' .. ARGV[i], ARGV[1]) end
  end
  local key = prefix .. ':status:' .. ARGV[2]
  redis.call('ZADD', key, score, ARGV[1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. ARGV[5])
  redis.call('EXPIRE', key, ARGV[6])
end
local expiry = KEYS[1] .. ':expiry'
if ARGV[2] == 'expired' then
  redis.call('ZREM', expiry, ARGV[1])
  return 1
end
local ttl = redis.call('PTTL', KEYS[3])
if ttl < 0 and tonumber(ARGV[4]) > 0 then
  ttl = tonumber(ARGV[4]) * 1000
  redis.call('PEXPIRE', KEYS[4], ttl)
elseif ttl > 0 then
  redis.call('PEXPIRE', KEYS[4], ttl)
end
if ttl > 0 then
  redis.call('ZADD', expiry, tonumber(ARGV[3]) + ttl / 1000, ARGV[1])
  redis.call('EXPIRE', expiry, ARGV[6])
end
return 1
