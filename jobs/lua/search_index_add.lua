-- One submitted job, added to the console's search index (webapp/search_index.py), and up to
-- PRUNE ids older than the TTL taken out of the two id sets, so they stay bounded by the jobs of
-- one TTL whether or not anyone searches.
-- KEYS[1]: all ids (scores 0, for prefix search by lexical range); KEYS[2]: all ids by time
-- (for pruning KEYS[1]); KEYS[3..]: the job's task set and its value-token sets (by time).
-- ARGV: time, job id, TTL in seconds of the index.
local PRUNE = 10
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[3]), 'LIMIT', 0, PRUNE)
if #old > 0 then
  redis.call('ZREM', KEYS[1], unpack(old))
  redis.call('ZREM', KEYS[2], unpack(old))
end
redis.call('ZADD', KEYS[1], 0, ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
for i = 3, #KEYS do
  redis.call('ZADD', KEYS[i], ARGV[1], ARGV[2])
  redis.call('EXPIRE', KEYS[i], ARGV[3])
end
return #old
