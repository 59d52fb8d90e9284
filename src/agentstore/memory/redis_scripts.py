"""The Lua scripts that keep a Redis memory's values and its index in step.

Layout for a store with key prefix ``P`` and namespace ``ns``, where ``S`` is ``\\x1f`` (the
ASCII unit separator, which prefixes, namespaces, keys and partition names may not hold) and
``T = P + "{" + S + ns + "}"`` is the store's *hash tag*:

- ``T + S + key``      the value: the JSON text as stored, native TTL (PX);
- ``T + S + "keys"``   hash: key -> partition, for every key of the store.

Every name starts with ``P`` (so a prefix scopes a store, and cleaning a prefix removes it
all) and holds the same ``{...}`` tag, so Redis Cluster keeps all of one store's names in one
slot: a script may touch any of them, and every script is handed, in ``KEYS``, every name it
touches (never one it builds itself), as Cluster and ACL key patterns require. ``S`` right
after ``{`` keeps stores apart: a store with prefix ``P + "x"`` writes under ``P + "x{"``,
which no name of the store with prefix ``P`` can spell (its names continue ``P + "{" + S``).
Keys start with ``ns + "/"``, so no key's value collides with the index's name either.

Listing, counting and clearing walk the index with ``HSCAN`` from the client, a batch at a
time, and hand each batch to a script: no script does more than one batch of work, so a large
store never blocks the server. Redis expires values by itself and leaves their index entries
behind; each batch script checks the values still exist and drops the entries of those that
do not, atomically, so an expired key is never listed or counted.
"""

from __future__ import annotations

#: Joins the parts of every name a store writes; refused in prefixes, keys and partitions.
SEPARATOR = "\x1f"


def layout(namespace: str, prefix: str) -> tuple[str, str]:
    """A store's names: (the start of every value's name, the index)."""
    base = f"{prefix}{{{SEPARATOR}{namespace}}}{SEPARATOR}"
    return base, base + "keys"


# KEYS: value, index. ARGV: json, px ('' = no expiry), field, partition.
STORE = """
if ARGV[2] == '' then
  redis.call('SET', KEYS[1], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
return 1
"""

# KEYS: index, then one value per key. ARGV: px ('' = none), partition, then field, json pairs
# in the order of the values.
STORE_MANY = """
local px, partition = ARGV[1], ARGV[2]
for i = 2, #KEYS do
  local field, json = ARGV[2 * i - 1], ARGV[2 * i]
  if px == '' then
    redis.call('SET', KEYS[i], json)
  else
    redis.call('SET', KEYS[i], json, 'PX', px)
  end
  redis.call('HSET', KEYS[1], field, partition)
end
return #KEYS - 1
"""

# KEYS: value, index. ARGV: field. Returns 1 when a live value was removed.
DELETE = """
local removed = redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return removed
"""

# KEYS: value, index. ARGV: by, field. INCRBY keeps the TTL, as the SQL backends do.
# Returns the new value as text: Lua numbers are doubles and would round big counters.
INCREMENT = """
local existed = redis.call('EXISTS', KEYS[1])
redis.call('INCRBY', KEYS[1], ARGV[1])
if existed == 0 then redis.call('HSET', KEYS[2], ARGV[2], 'default') end
return redis.call('GET', KEYS[1])
"""

# KEYS: value, index. ARGV: expected json (exact text), new json, px, field,
# '1' if expecting nothing (then an absent key or a stored null matches).
COMPARE_AND_SET = """
local current = redis.call('GET', KEYS[1])
if current == false then
  if ARGV[5] ~= '1' then return 0 end
elseif current ~= ARGV[1] then
  return 0
end
if ARGV[3] == '' then
  redis.call('SET', KEYS[1], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
if current == false then redis.call('HSET', KEYS[2], ARGV[4], 'default') end
return 1
"""

# KEYS: index, then one value per field. ARGV: the fields. Returns the live fields; drops the
# index entries of values that expired.
LIVE_BATCH = """
local live = {}
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    live[#live + 1] = ARGV[i - 1]
  else
    redis.call('HDEL', KEYS[1], ARGV[i - 1])
  end
end
return live
"""

# KEYS: index, then one value per field. ARGV: the fields. Returns {size, partition, ...} for
# the live ones; drops the index entries of values that expired.
STATS_BATCH = """
local out = {}
for i = 2, #KEYS do
  local size = redis.call('STRLEN', KEYS[i])
  if size > 0 then
    local partition = redis.call('HGET', KEYS[1], ARGV[i - 1])
    if partition then
      out[#out + 1] = size
      out[#out + 1] = partition
    end
  else
    redis.call('HDEL', KEYS[1], ARGV[i - 1])
  end
end
return out
"""

# KEYS: index, then one value per field. ARGV: partition, then the fields. Removes the fields
# still in that partition; returns how many live values it removed.
CLEAR_BATCH = """
local removed = 0
for i = 2, #KEYS do
  local field = ARGV[i]
  if redis.call('HGET', KEYS[1], field) == ARGV[1] then
    removed = removed + redis.call('DEL', KEYS[i])
    redis.call('HDEL', KEYS[1], field)
  end
end
return removed
"""
