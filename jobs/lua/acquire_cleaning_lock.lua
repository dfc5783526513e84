-- Take a queue's registry-cleaning lock (the key RQ's workers take for their maintenance), or
-- take it over from a holder that has kept it for ARGV[2] seconds since the site first saw it
-- held: cleaning a registry takes a worker milliseconds, so such a holder was lost. Atomic, so
-- two site processes never both win.
--
-- KEYS[1] the lock (Queue.registry_cleaning_key)  KEYS[2] when the site first saw it held
-- ARGV[1] how long the site holds the lock (seconds)  ARGV[2] after how long a held lock is stale
-- ARGV[3] the time now (Unix seconds)
--
-- Returns 1 when the lock is now the site's, else 0.

if redis.call('SET', KEYS[1], 'jobdeck', 'NX', 'EX', ARGV[1]) then
  redis.call('DEL', KEYS[2])
  return 1
end
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'EX', tonumber(ARGV[2]) * 2) then return 0 end
if tonumber(ARGV[3]) - tonumber(redis.call('GET', KEYS[2])) < tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], 'jobdeck', 'EX', ARGV[1])
redis.call('DEL', KEYS[2])
return 1
