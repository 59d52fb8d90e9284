Feature: Agents are kept as records
  Every agent has a name of its own, a role, a status, capabilities and a priority.
  Rules:
  - an agent can be created, read back, changed, renamed and removed
  - a name belongs to one agent: a second agent with a taken name is refused, the first unchanged
  - a transaction that fails writes nothing of what it did

  Rule: agents can be created, read, changed and removed

    Scenario Outline: a new agent on <backend> reads back as it was created
      Given a <backend> agent store
      When the agent "ada" is created as a "planner" with capabilities "search", "summarise"
      Then the agent "ada" is a "planner" with capabilities "search", "summarise"
      And the agent "ada" is "idle" with priority 0

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |

    Scenario Outline: an agent on <backend> changes role, status and priority
      Given a <backend> agent store with the agent "ada" as a "planner"
      When the agent "ada" becomes a "reviewer" that is "busy" with priority 3
      Then the agent "ada" is a "reviewer" with no capabilities
      And the agent "ada" is "busy" with priority 3

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |

    Scenario Outline: a renamed agent on <backend> answers only to its new name
      Given a <backend> agent store with the agent "ada" as a "planner"
      When the agent "ada" is renamed "grace"
      Then the agent "grace" is a "planner" with no capabilities
      And there is no agent "ada"

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |

    Scenario Outline: a removed agent is gone from <backend>
      Given a <backend> agent store with the agent "ada" as a "planner"
      When the agent "ada" is removed
      Then there is no agent "ada"
      And the store holds 0 agents and 0 executions

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |

  Rule: a name belongs to one agent

    Scenario Outline: a second agent named "ada" is refused on <backend> and the first is unchanged
      Given a <backend> agent store with the agent "ada" as a "planner"
      When the agent "ada" is created as a "coder"
      Then the request is refused because the name "ada" is taken
      And the agent "ada" is a "planner" with no capabilities

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |

    Scenario Outline: renaming an agent to a taken name is refused on <backend>
      Given a <backend> agent store with the agent "ada" as a "planner"
      And the agent "grace" is created as a "coder"
      When the agent "grace" is renamed "ada"
      Then the request is refused because the name "ada" is taken
      And the agent "grace" is a "coder" with no capabilities

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |

  Rule: a failed transaction leaves no partial write

    Scenario Outline: a transaction on <backend> that fails halfway writes nothing
      Given a <backend> agent store with the agent "ada" as a "planner"
      When one transaction creates the agents "bob", "carol", "ada", "dave"
      Then the request is refused because the name "ada" is taken
      And the store holds 1 agent and 0 executions
      And there is no agent "bob"

      Examples:
        | backend  |
        | Postgres |
        | SQLite   |
