Feature: Facts expire on time
  A fact remembered with a time-to-live is forgotten when that time runs out.
  Rules:
    - a fact is recalled until its time-to-live runs out, not after, and the memory tells how long is left;
    - an expired fact is never recalled, listed, matched or counted, even before any cleanup;
    - remembering a fact again without a time-to-live makes it permanent, with one replaces it;
    - cleanup removes expired facts from storage (Redis removes them by itself).

  Rule: a fact is recalled until its time-to-live runs out, not after, and the memory tells how long is left

    Scenario Outline: a fact expires just after its time-to-live on <backend>
      Given an agent with a memory on <backend>
      When the agent remembers "aqe/otp" as "4711" for 300 milliseconds
      Then the agent recalls "aqe/otp" as "4711"
      When 400 milliseconds pass
      Then the agent no longer recalls "aqe/otp"

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |
        | Redis    |

    Scenario Outline: the memory tells how long a fact has left on <backend>
      Given an agent with a memory on <backend>
      When the agent remembers "aqe/lease" as "mine" for 30 seconds
      And the agent remembers "aqe/name" as "Ada"
      Then the memory reports between 28 and 30 seconds left for "aqe/lease"
      And the memory reports no expiry for "aqe/name"

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |
        | Redis    |

  Rule: an expired fact is never recalled, listed, matched or counted, even before any cleanup

    Scenario Outline: an expired fact is invisible everywhere on <backend>
      Given an agent with a memory on <backend>
      And the agent remembers "aqe/otp" as "4711" for 300 milliseconds
      When 400 milliseconds pass
      Then the expired fact "aqe/otp" is neither recalled, listed, matched nor counted

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |
        | Redis    |

  Rule: remembering a fact again without a time-to-live makes it permanent, with one replaces it

    Scenario Outline: remembering a fact again without a time-to-live keeps it on <backend>
      Given an agent with a memory on <backend>
      And the agent remembers "aqe/otp" as "4711" for 300 milliseconds
      When the agent remembers "aqe/otp" as "4712"
      And 400 milliseconds pass
      Then the agent recalls "aqe/otp" as "4712"

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |
        | Redis    |

    Scenario Outline: remembering a fact again with a new time-to-live replaces the old one on <backend>
      Given an agent with a memory on <backend>
      And the agent remembers "aqe/otp" as "4711" for 300 milliseconds
      When the agent remembers "aqe/otp" as "4712" for 10 seconds
      And 400 milliseconds pass
      Then the memory reports between 8 and 10 seconds left for "aqe/otp"

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |
        | Redis    |

  Rule: cleanup removes expired facts from storage (Redis removes them by itself)

    Scenario Outline: cleanup leaves nothing of an expired fact in storage on <backend>
      Given an agent with a memory on <backend>
      And the agent remembers "aqe/otp" as "4711" for 300 milliseconds
      When the memory is cleaned up 400 milliseconds later
      Then the cleanup reports <removed> removed
      And nothing of "aqe/otp" is left in storage

      Examples:
        | backend  | removed | Comment                                            |
        | Postgres | 1       | Postgres and SQLite delete the expired fact        |
        | SQLite   | 1       | Postgres and SQLite delete the expired fact        |
        | Redis    | 0       | Redis already removed it by itself when it expired |
