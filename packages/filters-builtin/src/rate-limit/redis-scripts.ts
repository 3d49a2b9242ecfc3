// Lua runs atomically in Redis: no other client's command interleaves, so gateways sharing a
// Redis cannot both take the last request of a window.

/**
 * KEYS: request counter, token counter.
 * ARGV: request limit (0: none), request window ms, token limit (0: none).
 * Returns { allowed (0/1), requests used, requests reset ms, tokens used, tokens reset ms }.
 */
export const TAKE_SCRIPT = `
local req_used = tonumber(redis.call('GET', KEYS[1]) or '0')
local tok_used = tonumber(redis.call('GET', KEYS[2]) or '0')
local req_limit = tonumber(ARGV[1])
local tok_limit = tonumber(ARGV[3])
local full = (req_limit > 0 and req_used >= req_limit) or (tok_limit > 0 and tok_used >= tok_limit)
if not full and req_limit > 0 then
  req_used = redis.call('INCR', KEYS[1])
  if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
end
local allowed = 1
if full then allowed = 0 end
return { allowed, req_used, math.max(redis.call('PTTL', KEYS[1]), 0),
  tok_used, math.max(redis.call('PTTL', KEYS[2]), 0) }
`

/** KEYS: token counter. ARGV: tokens to add, window ms. Starts the window on first use. */
export const ADD_SCRIPT = `
redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`
