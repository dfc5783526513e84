-- Bench only: ARGV[3] copies of a finished job (its hash, result stream, log, registry and history
-- entries), written with the same commands a worker and the site use, so Redis allocates for them
-- as it does for real jobs (a stream's first node, a hash's encoding).
--
-- ARGV[1] the template's sizes "<hash fields and values>,<result fields and values>,<log lines>",
--         its parts themselves follow ARGV[8] in that order (bytes as they are: the call is zlib)
-- ARGV[2] the first copy's number  ARGV[3] how many copies  ARGV[4] jobs per owner
-- ARGV[5] the time now (seconds)  ARGV[6] result TTL  ARGV[7] history TTL
-- ARGV[8] "1": the status and expiry indexes too (this branch), "0": the owner and task ones only

local sizes, parts, at = {}, {{}, {}, {}}, 9
for n in string.gmatch(ARGV[1], '%d+') do sizes[#sizes + 1] = tonumber(n) end
for p = 1, 3 do
  for _ = 1, sizes[p] do parts[p][#parts[p] + 1] = ARGV[at]; at = at + 1 end
end
local fields, entry, lines = parts[1], parts[2], parts[3]
local now = tonumber(ARGV[5])
local result_ttl, history_ttl = tonumber(ARGV[6]), tonumber(ARGV[7])
for i = tonumber(ARGV[2]), tonumber(ARGV[2]) + tonumber(ARGV[3]) - 1 do
  local id = string.format('%08x-0000-4000-8000-%012d', i, i)
  redis.call('HSET', 'rq:job:' .. id, unpack(fields))
  redis.call('EXPIRE', 'rq:job:' .. id, result_ttl)
  redis.call('XADD', 'rq:results:' .. id, 'MAXLEN', '~', 10, '*', unpack(entry))
  redis.call('EXPIRE', 'rq:results:' .. id, result_ttl)
  if #lines > 0 then
    redis.call('RPUSH', 'jobdeck:log:' .. id, unpack(lines))
    redis.call('EXPIRE', 'jobdeck:log:' .. id, result_ttl)
  end
  redis.call('ZADD', 'rq:finished:default', now + result_ttl, id)
  local owner = 'jobdeck:owner:' .. string.format('%032d', math.floor(i / tonumber(ARGV[4])))
  local member = id .. ':countdown'
  local score = now - (i % 1000)
  local keys = {owner, owner .. ':task:countdown'}
  if ARGV[8] == '1' then
    keys = {owner, owner .. ':task:countdown', owner .. ':status:finished',
            owner .. ':task:countdown:status:finished'}
    redis.call('ZADD', owner .. ':expiry', now + result_ttl, member)
    redis.call('EXPIRE', owner .. ':expiry', history_ttl)
  end
  for _, key in ipairs(keys) do
    redis.call('ZADD', key, score, member)
    redis.call('EXPIRE', key, history_ttl)
  end
end
return 1
