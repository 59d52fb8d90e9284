@backends:postgres,sqlite,redis
Feature: Agents remember, recall and forget facts
  An agent's memory keeps any value JSON can hold under a key. Every key starts with the
  agents' namespace, "aqe/" (the agentic quality engineering fleet), as in "aqe/weather/today".

  Rule: what an agent remembers it recalls exactly, on every backend

    Scenario: an agent recalls a fact it remembered
      Given an agent with a memory
      When the agent remembers "aqe/weather/today" as {"sky": "blue", "wind_kmh": 12.5}
      Then the agent recalls "aqe/weather/today" as {"sky": "blue", "wind_kmh": 12.5}
    Scenario: awkward values come back exactly
      Given an agent with a memory
      When the agent remembers "aqe/profile" as a rich value
      Then the agent recalls "aqe/profile" exactly as it was remembered

  Rule: remembering a key again replaces what was there

    Scenario: remembering a fact again replaces it
      Given an agent with a memory
      And the agent remembers "aqe/plan" as "draft"
      When the agent remembers "aqe/plan" as ["write tests", "ship"]
      Then the agent recalls "aqe/plan" as ["write tests", "ship"]

  Rule: a forgotten fact is gone, and forgetting it twice finds nothing the second time

    Scenario: a forgotten fact is gone
      Given an agent with a memory
      And the agent remembers "aqe/secret" as "hunter2"
      When the agent forgets "aqe/secret"
      Then the memory confirms "aqe/secret" was forgotten
      But forgetting "aqe/secret" again finds nothing to forget
