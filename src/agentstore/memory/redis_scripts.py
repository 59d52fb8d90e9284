"""The Lua scripts that keep a Redis memory's value and its partition index in step.

Layout for a store with key prefix ``P`` and namespace ``ns``, where ``S`` is ``\\x1f`` (the
ASCII unit separator, which prefixes, namespaces, keys and partition names may not hold):

- ``P + S + key``                    the value: canonical JSON text, native TTL (PEXPIRE);
- ``P + S + ns + S + "keys"``         hash: key -> partition, for every key of the store;
- ``P + S + ns + S + "partition" + S + name``  set: the keys of one partition.

``S`` after the prefix keeps stores apart: a store with prefix ``P + "aqe/"`` writes under
``P + "aqe/" + S``, which no key of the store with prefix ``P`` can spell (its names continue
``P + S``). Keys start with ``ns + "/"``, so no key collides with the index names either.

The index lets ``list_keys``, ``clear_partition`` and ``stats`` read only the store's own
keys, never SCAN the server. Redis expires values by itself and leaves their index entries
behind; every script that walks the index checks the value still exists and prunes the
entries of those that do not, atomically, so an expired key is never listed or counted.
"""

from __future__ import annotations

#: Joins the prefix to every name a store writes; refused in prefixes, keys and partitions.
SEPARATOR = "\x1f"


def layout(namespace: str, prefix: str) -> tuple[str, str, str]:
    """A store's names: (the start of every value's name, the index, the partition-set prefix)."""
    base = prefix + SEPARATOR
    meta = f"{base}{namespace}{SEPARATOR}"
    return base, meta + "keys", meta + "partition" + SEPARATOR


# The index helpers every script shares (``parts`` = the partition-set prefix): ``place``
# moves ``field`` into ``partition``; ``unindex`` drops it from a known partition; ``forget``
# drops it from whichever partition holds it.
_PLACE = """
local function place(index, parts, field, partition)
  local old = redis.call('HGET', index, field)
  if old ~= partition then
    if old then redis.call('SREM', parts .. old, field) end
    redis.call('SADD', parts .. partition, field)
    redis.call('HSET', index, field, partition)
  end
end
local function unindex(index, parts, field, partition)
  redis.call('SREM', parts .. partition, field)
  redis.call('HDEL', index, field)
end
local function forget(index, parts, field)
  local old = redis.call('HGET', index, field)
  if old then unindex(index, parts, field, old) end
end
"""

# KEYS: value, index. ARGV: json, px ('' = no expiry), field, partition, parts.
STORE = (
    _PLACE
    + """
if ARGV[2] == '' then
  redis.call('SET', KEYS[1], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
place(KEYS[2], ARGV[5], ARGV[3], ARGV[4])
return 1
"""
)

# KEYS: index. ARGV: px ('' = none), partition, parts, prefix, then field, json pairs.
STORE_MANY = (
    _PLACE
    + """
local px, partition, parts, prefix = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
for i = 5, #ARGV, 2 do
  if px == '' then
    redis.call('SET', prefix .. ARGV[i], ARGV[i + 1])
  else
    redis.call('SET', prefix .. ARGV[i], ARGV[i + 1], 'PX', px)
  end
  place(KEYS[1], parts, ARGV[i], partition)
end
return (#ARGV - 4) / 2
"""
)

# KEYS: value, index. ARGV: field, parts. Returns 1 when a live value was removed.
DELETE = (
    _PLACE
    + """
local removed = redis.call('DEL', KEYS[1])
forget(KEYS[2], ARGV[2], ARGV[1])
return removed
"""
)

# KEYS: value, index. ARGV: by, field, parts. INCRBY keeps the TTL, as the SQL backends do.
# Returns the new value as text: Lua numbers are doubles and would round big counters.
INCREMENT = (
    _PLACE
    + """
local existed = redis.call('EXISTS', KEYS[1])
redis.call('INCRBY', KEYS[1], ARGV[1])
if existed == 0 then place(KEYS[2], ARGV[3], ARGV[2], 'default') end
return redis.call('GET', KEYS[1])
"""
)

# KEYS: value, index. ARGV: expected json, new json, px, field, parts, '1' if expecting nothing.
COMPARE_AND_SET = (
    _PLACE
    + """
local current = redis.call('GET', KEYS[1])
if current == false then
  if ARGV[6] ~= '1' then return 0 end
elseif current ~= ARGV[1] then
  return 0
end
if ARGV[3] == '' then
  redis.call('SET', KEYS[1], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
if current == false then place(KEYS[2], ARGV[5], ARGV[4], 'default') end
return 1
"""
)

# KEYS: index. ARGV: prefix, parts, partition. Returns how many live values were removed.
CLEAR_PARTITION = (
    _PLACE
    + """
local removed = 0
for _, field in ipairs(redis.call('SMEMBERS', ARGV[2] .. ARGV[3])) do
  removed = removed + redis.call('DEL', ARGV[1] .. field)
  unindex(KEYS[1], ARGV[2], field, ARGV[3])
end
return removed
"""
)

# KEYS: index. ARGV: prefix, parts, partition ('' = every partition). The live keys.
LIVE_KEYS = (
    _PLACE
    + """
local fields
if ARGV[3] == '' then
  fields = redis.call('HKEYS', KEYS[1])
else
  fields = redis.call('SMEMBERS', ARGV[2] .. ARGV[3])
end
local live = {}
for _, field in ipairs(fields) do
  if redis.call('EXISTS', ARGV[1] .. field) == 1 then
    live[#live + 1] = field
  else
    forget(KEYS[1], ARGV[2], field)
  end
end
return live
"""
)

# KEYS: index. ARGV: prefix, parts. Returns {keys, bytes, partition, count, ...}.
STATS = (
    _PLACE
    + """
local entries = redis.call('HGETALL', KEYS[1])
local keys, bytes, counts, order = 0, 0, {}, {}
for i = 1, #entries, 2 do
  local field, partition = entries[i], entries[i + 1]
  local size = redis.call('STRLEN', ARGV[1] .. field)
  if size > 0 then
    keys = keys + 1
    bytes = bytes + size
    if not counts[partition] then
      counts[partition] = 0
      order[#order + 1] = partition
    end
    counts[partition] = counts[partition] + 1
  else
    unindex(KEYS[1], ARGV[2], field, partition)
  end
end
local out = {keys, bytes}
for _, partition in ipairs(order) do
  out[#out + 1] = partition
  out[#out + 1] = counts[partition]
end
return out
"""
)
