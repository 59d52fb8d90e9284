Feature: The specification runs on real backends
  Every rule in this specification is checked against the real databases the platform
  ships with, never against imitations. Each scenario works in a place of its own:
  no scenario sees another's data, and a run leaves nothing behind.
  (That a run never touches data it did not create, and that a missing or misconfigured
  server is reported in one clear line, is proven by the harness tests in tests/.)

  Scenario Outline: <backend> answers with a supported version
    Given a scenario working on <backend>
    When the scenario asks the backend which version it runs
    Then the backend answers with version <minimum> or newer

    Examples:
      | backend  | minimum | Comment                                                   |
      | Postgres | 14      | the oldest PostgreSQL the team edition supports           |
      | SQLite   | 3.35    | needed to save a record and read it back in one step      |
      | Redis    | 6.2     | needed to read and replace a fact in one step             |

  Scenario Outline: a fact one scenario records on <backend> is invisible to another
    Given a scenario working on <backend>
    And a second scenario working on <backend> at the same time
    When the first scenario records the fact "the sky is green"
    Then the second scenario finds no fact at all
    But the first scenario finds "the sky is green"

    Examples:
      | backend  |
      | Postgres |
      | SQLite   |
      | Redis    |
