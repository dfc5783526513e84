-- A submitted job, indexed in one step: under its owner (the owner's index, the owner's index for
-- the job's task, and both "active" indexes: jobs that have not ended yet) and in the console's
-- search index (webapp/search_index.py). Either part may be left out (no keys for it). Sent with
-- EVAL inside the enqueue's transaction (see webapp/history.index_submission).
--
-- The owner's indexes are trimmed of entries older than the longest job TTL (so an owner who never
-- opens /jobs cannot grow them without bound) and kept for that TTL from now. The search index's
-- two id sets lose up to PRUNE ids older than the TTL, so they stay bounded by the jobs of one TTL
-- whether or not anyone searches; its task and value-token sets are kept for the TTL from now.
--
-- KEYS[1 .. ARGV[1]] the owner's indexes (sorted sets): 0 or 4 of them
-- then, when present: all ids (scores 0, for prefix search by lexical range), all ids by time (for
--   pruning the first), the job's task set and its value-token sets (by time)
-- ARGV[1] how many of KEYS are the owner's indexes  ARGV[2] the submit time (the score)
-- ARGV[3] the owner's indexes' member ("<job id>:<task>")  ARGV[4] the TTL (seconds)
-- ARGV[5] the oldest score kept (submit time minus the TTL)  ARGV[6] the job id
--
-- Returns how many old ids the search index lost.

local owned = tonumber(ARGV[1])
for i = 1, owned do
  redis.call('ZADD', KEYS[i], ARGV[2], ARGV[3])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. ARGV[5])
  redis.call('EXPIRE', KEYS[i], ARGV[4])
end
if #KEYS == owned then return 0 end

local PRUNE = 10
local ids, times = KEYS[owned + 1], KEYS[owned + 2]
local old = redis.call('ZRANGEBYSCORE', times, '-inf', tonumber(ARGV[2]) - tonumber(ARGV[4]), 'LIMIT', 0, PRUNE)
if #old > 0 then
  redis.call('ZREM', ids, unpack(old))
  redis.call('ZREM', times, unpack(old))
end
redis.call('ZADD', ids, 0, ARGV[6])
redis.call('ZADD', times, ARGV[2], ARGV[6])
for i = owned + 3, #KEYS do
  redis.call('ZADD', KEYS[i], ARGV[2], ARGV[6])
  redis.call('EXPIRE', KEYS[i], ARGV[4])
end
return #old
