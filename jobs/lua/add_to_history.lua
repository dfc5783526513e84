-- Index a submitted job under its owner and under its owner and task, and keep both indexes for
-- the longest job TTL from now. Sent with EVAL inside the enqueue's transaction (see history.add).
--
-- KEYS[1] the owner's index (sorted set)  KEYS[2] the owner's index for the job's task
-- ARGV[1] the submit time (the score)  ARGV[2] the member ("<job id>:<task>")  ARGV[3] the TTL (seconds)

redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
