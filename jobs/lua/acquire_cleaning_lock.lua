-- Take a queue's registry-cleaning lock (the key RQ's workers take for their maintenance), or take
-- it over when a worker's lock has been held for ARGV[2] - ARGV[1] seconds (its TTL shows how
-- long): cleaning a registry takes a worker milliseconds, so such a holder was lost. Atomic, so
-- two cleaners never both win.
--
-- KEYS[1] the lock (Queue.registry_cleaning_key)
-- ARGV[1] how long this cleaner holds the lock (s)  ARGV[2] the highest TTL of a stale lock (s)
--
-- Returns 1 when the lock is now the caller's, else 0.

if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 1 end
local ttl = redis.call('TTL', KEYS[1])
if ttl > tonumber(ARGV[1]) and ttl <= tonumber(ARGV[2]) then
  redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
  return 1
end
return 0
