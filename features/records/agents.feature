@backends:postgres,sqlite
Feature: Agents are kept as records
  Every agent has a name of its own, a role, a status, capabilities and a priority.

  Rule: agents can be created, read, changed and removed

    Scenario: a new agent reads back as it was created
      Given an agent store
      When the agent "ada" is created as a "planner" with capabilities "search", "summarise"
      Then the agent "ada" is a "planner" with capabilities "search", "summarise"
      And the agent "ada" is "idle" with priority 0
    Scenario: an agent changes role, status and priority
      Given an agent store with the agent "ada" as a "planner"
      When the agent "ada" becomes a "reviewer" that is "busy" with priority 3
      Then the agent "ada" is a "reviewer" with no capabilities
      And the agent "ada" is "busy" with priority 3
    Scenario: a renamed agent answers only to its new name
      Given an agent store with the agent "ada" as a "planner"
      When the agent "ada" is renamed "grace"
      Then the agent "grace" is a "planner" with no capabilities
      And there is no agent "ada"
    Scenario: a removed agent is gone
      Given an agent store with the agent "ada" as a "planner"
      When the agent "ada" is removed
      Then there is no agent "ada"
      And the store holds 0 agents and 0 executions

  Rule: a name belongs to one agent

    Scenario: a second agent named "ada" is refused and the first is unchanged
      Given an agent store with the agent "ada" as a "planner"
      When the agent "ada" is created as a "coder"
      Then the request is refused because the name "ada" is taken
      And the agent "ada" is a "planner" with no capabilities
    Scenario: renaming an agent to a taken name is refused
      Given an agent store with the agent "ada" as a "planner"
      And the agent "grace" is created as a "coder"
      When the agent "grace" is renamed "ada"
      Then the request is refused because the name "ada" is taken
      And the agent "grace" is a "coder" with no capabilities

  Rule: a failed transaction leaves no partial write

    Scenario: a transaction that fails halfway writes nothing
      Given an agent store with the agent "ada" as a "planner"
      When one transaction creates the agents "bob", "carol", "ada", "dave"
      Then the request is refused because the name "ada" is taken
      And the store holds 1 agent and 0 executions
      And there is no agent "bob"
