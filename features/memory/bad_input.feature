Feature: Bad input is refused and changes nothing
  The memory checks every key, value and time-to-live before it touches storage.
  Rules:
    - a key is "<namespace>/<path>", at most 512 characters, without NUL or control characters;
    - a value is something JSON holds exactly; a time-to-live is a finite number of seconds above 0;
    - bad input is refused with an error that names what was wrong, and the memory is unchanged.

  Scenario Outline: <bad input> is refused on <backend>
    Given an agent whose memory on <backend> holds "aqe/fact" as "kept" for 1 hour in partition "kept"
    When the agent tries to store <bad input>
    Then the memory refuses it as <error>
    And the memory is unchanged

    Examples: Postgres
      | backend  | bad input                         | error                   | Comment                                         |
      | Postgres | a key in another namespace        | an invalid key          | keys are <namespace>/<path>; other/ is not aqe/ |
      | Postgres | a key with no namespace           | an invalid key          | no namespace at all                             |
      | Postgres | an empty key                      | an invalid key          | an empty key names nothing                      |
      | Postgres | the bare namespace                | an invalid key          | aqe/ alone has no path                          |
      | Postgres | a key of 513 characters           | an invalid key          | keys hold at most 512 characters                |
      | Postgres | a key holding NUL                 | an invalid key          | NUL is invisible and cut short by many tools    |
      | Postgres | a key holding a line break        | an invalid key          | control characters are invisible in listings    |
      | Postgres | a key holding an escape character | an invalid key          | control characters are invisible in listings    |
      | Postgres | a key that is a number            | an invalid key          | keys are text                                   |
      | Postgres | the value NaN                     | an invalid value        | JSON has no NaN                                 |
      | Postgres | the value Infinity                | an invalid value        | JSON has no infinities                          |
      | Postgres | the value -Infinity               | an invalid value        | JSON has no infinities                          |
      | Postgres | a list holding NaN                | an invalid value        | nested values are checked too                   |
      | Postgres | raw bytes                         | an invalid value        | JSON holds text, not bytes                      |
      | Postgres | a set                             | an invalid value        | JSON has no sets                                |
      | Postgres | a tuple                           | an invalid value        | it would come back as a list, not exactly       |
      | Postgres | an arbitrary object               | an invalid value        | JSON cannot hold it at all                      |
      | Postgres | an object with number keys        | an invalid value        | the keys would come back as text                |
      | Postgres | a TTL of 0 seconds                | an invalid time-to-live | it would expire before it was stored            |
      | Postgres | a TTL of -1 seconds               | an invalid time-to-live | time-to-live is above zero                      |
      | Postgres | a TTL of NaN seconds              | an invalid time-to-live | not a number                                    |
      | Postgres | an infinite TTL                   | an invalid time-to-live | no expiry is written as no TTL                  |
      | Postgres | a TTL written as text "10"        | an invalid time-to-live | seconds are numbers, not text                   |
      | Postgres | a TTL of true                     | an invalid time-to-live | a yes/no is not a duration                      |

    Examples: SQLite
      | backend | bad input                         | error                   | Comment                                         |
      | SQLite  | a key in another namespace        | an invalid key          | keys are <namespace>/<path>; other/ is not aqe/ |
      | SQLite  | a key with no namespace           | an invalid key          | no namespace at all                             |
      | SQLite  | an empty key                      | an invalid key          | an empty key names nothing                      |
      | SQLite  | the bare namespace                | an invalid key          | aqe/ alone has no path                          |
      | SQLite  | a key of 513 characters           | an invalid key          | keys hold at most 512 characters                |
      | SQLite  | a key holding NUL                 | an invalid key          | NUL is invisible and cut short by many tools    |
      | SQLite  | a key holding a line break        | an invalid key          | control characters are invisible in listings    |
      | SQLite  | a key holding an escape character | an invalid key          | control characters are invisible in listings    |
      | SQLite  | a key that is a number            | an invalid key          | keys are text                                   |
      | SQLite  | the value NaN                     | an invalid value        | JSON has no NaN                                 |
      | SQLite  | the value Infinity                | an invalid value        | JSON has no infinities                          |
      | SQLite  | the value -Infinity               | an invalid value        | JSON has no infinities                          |
      | SQLite  | a list holding NaN                | an invalid value        | nested values are checked too                   |
      | SQLite  | raw bytes                         | an invalid value        | JSON holds text, not bytes                      |
      | SQLite  | a set                             | an invalid value        | JSON has no sets                                |
      | SQLite  | a tuple                           | an invalid value        | it would come back as a list, not exactly       |
      | SQLite  | an arbitrary object               | an invalid value        | JSON cannot hold it at all                      |
      | SQLite  | an object with number keys        | an invalid value        | the keys would come back as text                |
      | SQLite  | a TTL of 0 seconds                | an invalid time-to-live | it would expire before it was stored            |
      | SQLite  | a TTL of -1 seconds               | an invalid time-to-live | time-to-live is above zero                      |
      | SQLite  | a TTL of NaN seconds              | an invalid time-to-live | not a number                                    |
      | SQLite  | an infinite TTL                   | an invalid time-to-live | no expiry is written as no TTL                  |
      | SQLite  | a TTL written as text "10"        | an invalid time-to-live | seconds are numbers, not text                   |
      | SQLite  | a TTL of true                     | an invalid time-to-live | a yes/no is not a duration                      |

    Examples: Redis
      | backend | bad input                         | error                   | Comment                                         |
      | Redis   | a key in another namespace        | an invalid key          | keys are <namespace>/<path>; other/ is not aqe/ |
      | Redis   | a key with no namespace           | an invalid key          | no namespace at all                             |
      | Redis   | an empty key                      | an invalid key          | an empty key names nothing                      |
      | Redis   | the bare namespace                | an invalid key          | aqe/ alone has no path                          |
      | Redis   | a key of 513 characters           | an invalid key          | keys hold at most 512 characters                |
      | Redis   | a key holding NUL                 | an invalid key          | NUL is invisible and cut short by many tools    |
      | Redis   | a key holding a line break        | an invalid key          | control characters are invisible in listings    |
      | Redis   | a key holding an escape character | an invalid key          | control characters are invisible in listings    |
      | Redis   | a key that is a number            | an invalid key          | keys are text                                   |
      | Redis   | the value NaN                     | an invalid value        | JSON has no NaN                                 |
      | Redis   | the value Infinity                | an invalid value        | JSON has no infinities                          |
      | Redis   | the value -Infinity               | an invalid value        | JSON has no infinities                          |
      | Redis   | a list holding NaN                | an invalid value        | nested values are checked too                   |
      | Redis   | raw bytes                         | an invalid value        | JSON holds text, not bytes                      |
      | Redis   | a set                             | an invalid value        | JSON has no sets                                |
      | Redis   | a tuple                           | an invalid value        | it would come back as a list, not exactly       |
      | Redis   | an arbitrary object               | an invalid value        | JSON cannot hold it at all                      |
      | Redis   | an object with number keys        | an invalid value        | the keys would come back as text                |
      | Redis   | a TTL of 0 seconds                | an invalid time-to-live | it would expire before it was stored            |
      | Redis   | a TTL of -1 seconds               | an invalid time-to-live | time-to-live is above zero                      |
      | Redis   | a TTL of NaN seconds              | an invalid time-to-live | not a number                                    |
      | Redis   | an infinite TTL                   | an invalid time-to-live | no expiry is written as no TTL                  |
      | Redis   | a TTL written as text "10"        | an invalid time-to-live | seconds are numbers, not text                   |
      | Redis   | a TTL of true                     | an invalid time-to-live | a yes/no is not a duration                      |
