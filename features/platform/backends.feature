@backends:postgres,sqlite,redis
Feature: The specification runs on real backends
  Every rule in this specification is checked against the real databases the platform
  ships with, never against imitations. Each scenario works in a place of its own:
  no scenario sees another's data, and a run leaves nothing behind.
  (That a run never touches data it did not create, and that a missing or misconfigured
  server is reported in one clear line, is proven by the harness tests in tests/.)

  Rule: each backend runs a version the platform supports

    @backends:postgres
    Scenario: PostgreSQL answers with version 14 or newer
      Given a scenario working on the backend
      When the scenario asks the backend which version it runs
      Then the backend answers with version 14 or newer

    @backends:sqlite
    Scenario: SQLite answers with version 3.35 or newer, which saves a record and reads it back in one step
      Given a scenario working on the backend
      When the scenario asks the backend which version it runs
      Then the backend answers with version 3.35 or newer

    @backends:redis
    Scenario: Redis answers with version 6.2 or newer, which reads and replaces a fact in one step
      Given a scenario working on the backend
      When the scenario asks the backend which version it runs
      Then the backend answers with version 6.2 or newer

  Rule: no scenario sees another's data

    Scenario: a fact one scenario records is invisible to another
      Given a scenario working on the backend
      And a second scenario working on the same backend at the same time
      When the first scenario records the fact "the sky is green"
      Then the second scenario finds no fact at all
      But the first scenario finds "the sky is green"
