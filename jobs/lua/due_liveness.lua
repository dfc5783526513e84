-- The sweep's look: the jobs whose liveness deadline has passed, on Redis's clock.
--
-- Each call records when it ran (KEYS[2]). Workers sweep every second, so a longer gap than
-- ARGV[1] means nobody could reach Redis (it was down or hung, or every worker was): nobody could
-- renew a deadline, nor register a job it had popped, either. So every deadline, and every note
-- of a popped job (KEYS[4]), is moved on by the gap: a live worker gets, from Redis's return, the
-- time it had left when Redis went away, and a dead one is found as soon after the return as it
-- would have been without the outage. RQ's own started-registry entries (heartbeat deadlines) are
-- RQ's: its cleanup waits ARGV[2] ms after the gap instead (KEYS[3], the grace;
-- jobs/started_cleanup.py), time for every live worker to renew its entry.
--
-- It also counts, per queue, RQ's started-registry entries whose own (heartbeat) deadline passed.
--
-- KEYS[1] the liveness sorted set  KEYS[2] when the last sweep ran  KEYS[3] the grace key
-- KEYS[4] the index of popped jobs not yet registered  KEYS[5...] the sweeping worker's started
-- registries
-- ARGV[1] longest normal gap between sweeps (ms)  ARGV[2] grace (ms)  ARGV[3] most ids returned
--
-- Returns {grace left in ms (0: none), expired count per KEYS[5...], overdue job id, ...}.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local last = tonumber(redis.call('GET', KEYS[2]) or 0)
redis.call('SET', KEYS[2], now)
if last > 0 and now - last > tonumber(ARGV[1]) then
  local gap = now - last
  redis.call('SET', KEYS[3], gap, 'PX', ARGV[2])
  for _, key in ipairs({KEYS[1], KEYS[4]}) do
    local entries = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
    for i = 1, #entries, 2 do
      redis.call('ZADD', key, tonumber(entries[i + 1]) + gap, entries[i])
    end
  end
end
local grace = redis.call('PTTL', KEYS[3])
if grace < 0 then grace = 0 end
local reply = {grace}
for i = 5, #KEYS do
  table.insert(reply, redis.call('ZCOUNT', KEYS[i], 0, now / 1000))
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))) do
  table.insert(reply, id)
end
return reply
