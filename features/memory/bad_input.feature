@backends:postgres,sqlite,redis,redis_cluster
Feature: Bad input is refused and changes nothing
  The memory checks every key, value and time-to-live before it touches storage, refuses bad
  input with an error that names what was wrong, and leaves the memory exactly as it was.
  Keys, values and times are written as JSON (NaN and Infinity included); the few inputs JSON
  cannot write are named kinds, listed with the step in the step glossary.

  Background:
    Given an agent whose memory holds "aqe/fact" as "kept" for 1 hour in partition "kept"

  Rule: a key is "aqe/<path>", at most 512 characters, without NUL or control characters

    Scenario Outline: the key <key> is refused
      When the agent tries to remember "x" under the key <key>
      Then the memory refuses it as an invalid key
      And the memory is unchanged

      Examples:
        | key                         | Comment                                        |
        | "other/fact"                | keys live in the agents' namespace, not other/ |
        | "fact"                      | no namespace at all                            |
        | ""                          | an empty key names nothing                     |
        | "aqe/"                      | the namespace alone has no path                |
        | a key of 513 characters     | keys hold at most 512 characters               |
        | "aqe/fa\u0000ct"            | NUL is invisible and cut short by many tools   |
        | "aqe/fa\u000act"            | control characters are invisible in listings   |
        | "aqe/fa\u001bct"            | control characters are invisible in listings   |
        | 42                          | keys are text                                  |
        | null                        | a key must name something                      |
        | a key with a lone surrogate | half a character cannot be written down        |

  Rule: a value is something JSON holds exactly

    Scenario Outline: the value <value> is refused
      When the agent tries to remember <value> under the key "aqe/fact"
      Then the memory refuses it as an invalid value
      And the memory is unchanged

      Examples:
        | value                      | Comment                                   |
        | NaN                        | JSON has no NaN                           |
        | Infinity                   | JSON has no infinities                    |
        | -Infinity                  | JSON has no infinities                    |
        | [1, NaN]                   | nested values are checked too             |
        | {"score": Infinity}        | nested values are checked too             |
        | raw bytes                  | JSON holds text, not bytes                |
        | a set                      | JSON has no sets                          |
        | a tuple                    | it would come back as a list, not exactly |
        | an arbitrary object        | JSON cannot hold it at all                |
        | an object with number keys | the keys would come back as text          |
        | a value nested 100 deep    | values nest at most 64 levels             |

  Rule: a time-to-live is a finite number of seconds above zero

    Scenario Outline: the time-to-live <ttl> is refused
      When the agent tries to remember "x" under the key "aqe/fact" for <ttl> seconds
      Then the memory refuses it as an invalid time-to-live
      And the memory is unchanged

      Examples:
        | ttl      | Comment                              |
        | 0        | it would expire before it was stored |
        | -1       | a time-to-live is above zero         |
        | NaN      | not a number                         |
        | Infinity | no expiry is written as no TTL       |
        | "10"     | seconds are numbers, not text        |
        | true     | a yes/no is not a duration           |
