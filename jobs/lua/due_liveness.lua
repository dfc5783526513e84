-- The sweep's look: the jobs whose liveness deadline has passed, on Redis's clock.
--
-- Each call records when it ran (KEYS[2]). Workers sweep every second, so a longer gap than
-- ARGV[1] means nobody could reach Redis (it was down or hung, or every worker was): nobody could
-- renew a deadline either, so none is trusted for ARGV[2] ms after the gap (KEYS[3], the grace),
-- long enough for every live worker to renew its own. RQ's own started-registry cleanup waits for
-- the grace too (jobs/started_cleanup.py).
--
-- It also counts, per queue, RQ's started-registry entries whose own (heartbeat) deadline passed.
--
-- KEYS[1] the liveness sorted set  KEYS[2] when the last sweep ran  KEYS[3] the grace key
-- KEYS[4...] the started registries of the sweeping worker's queues
-- ARGV[1] longest normal gap between sweeps (ms)  ARGV[2] grace (ms)  ARGV[3] most ids returned
--
-- Returns {grace left in ms}, or {0, expired count per KEYS[4...], overdue job id, ...}.

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local last = tonumber(redis.call('GET', KEYS[2]) or 0)
redis.call('SET', KEYS[2], now)
if last > 0 and now - last > tonumber(ARGV[1]) then
  redis.call('SET', KEYS[3], now - last, 'PX', ARGV[2])
end
local grace = redis.call('PTTL', KEYS[3])
if grace > 0 then return {grace} end
local reply = {0}
for i = 4, #KEYS do
  table.insert(reply, redis.call('ZCOUNT', KEYS[i], 0, now / 1000))
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[3]))) do
  table.insert(reply, id)
end
return reply
