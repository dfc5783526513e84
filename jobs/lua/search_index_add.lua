-- One submitted job, added to the console's search index (webapp/search_index.py).
-- KEYS[1]: all ids (scores 0, for prefix search by lexical range); KEYS[2]: all ids by time
-- (for pruning KEYS[1]); KEYS[3..]: the job's task set and its parameter-value sets (by time).
-- ARGV: time, job id, TTL in seconds of the task and value sets.
redis.call('ZADD', KEYS[1], 0, ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
for i = 3, #KEYS do
  redis.call('ZADD', KEYS[i], ARGV[1], ARGV[2])
  redis.call('EXPIRE', KEYS[i], ARGV[3])
end
return #KEYS
