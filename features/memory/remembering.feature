Feature: Agents remember, recall and forget facts
  An agent's memory keeps any value JSON can hold under a key of its own namespace.
  Rules:
    - what an agent remembers it recalls exactly, on every backend;
    - remembering a key again replaces what was there;
    - a forgotten fact is gone, and forgetting it twice finds nothing the second time.

  Rule: what an agent remembers it recalls exactly, on every backend

    Scenario Outline: an agent recalls a fact it remembered on <backend>
      Given an agent with a memory on <backend>
      When the agent remembers "aqe/weather/today" as {"sky": "blue", "wind_kmh": 12.5}
      Then the agent recalls "aqe/weather/today" as {"sky": "blue", "wind_kmh": 12.5}

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |
        | Redis    |

    Scenario Outline: awkward values come back exactly on <backend>
      Given an agent with a memory on <backend>
      When the agent remembers "aqe/profile" as a rich value
      Then the agent recalls "aqe/profile" exactly as it was remembered

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |
        | Redis    |

  Rule: remembering a key again replaces what was there

    Scenario Outline: remembering a fact again replaces it on <backend>
      Given an agent with a memory on <backend>
      And the agent remembers "aqe/plan" as "draft"
      When the agent remembers "aqe/plan" as ["write tests", "ship"]
      Then the agent recalls "aqe/plan" as ["write tests", "ship"]

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |
        | Redis    |

  Rule: a forgotten fact is gone, and forgetting it twice finds nothing the second time

    Scenario Outline: a forgotten fact is gone on <backend>
      Given an agent with a memory on <backend>
      And the agent remembers "aqe/secret" as "hunter2"
      When the agent forgets "aqe/secret"
      Then the memory confirms "aqe/secret" was forgotten
      But forgetting "aqe/secret" again finds nothing to forget

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |
        | Redis    |
