-- Index a submitted job under its owner, its owner and task, and both "active" indexes (jobs that
-- have not ended yet), trim every one of them of entries older than the longest job TTL (so an
-- owner who never opens /jobs cannot grow them without bound), and keep them for that TTL from now.
-- Sent with EVAL inside the enqueue's transaction (see webapp/history.add).
--
-- KEYS[1] the owner's index (sorted set)  KEYS[2] the owner's index for the job's task
-- KEYS[3] the owner's active index        KEYS[4] the owner's active index for the job's task
-- ARGV[1] the submit time (the score)  ARGV[2] the member ("<job id>:<task>")  ARGV[3] the TTL (seconds)
-- ARGV[4] the oldest score kept (submit time minus the TTL)

for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[1], ARGV[2])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. ARGV[4])
  redis.call('EXPIRE', key, ARGV[3])
end
