Feature: The specification runs on real backends
  Every rule in this specification is checked against the real databases the platform
  ships with, never against imitations. Each scenario works in a place of its own:
  no scenario sees another's data, and a run leaves nothing behind.

  Scenario Outline: <backend> answers with a supported version
    Given a scenario working on <backend>
    When the scenario asks the backend which version it runs
    Then the backend answers with version <minimum> or newer

    Examples:
      | backend  | minimum | Comment                                     |
      | Postgres | 14      | MERGE-free upserts and SKIP LOCKED need 14+ |
      | SQLite   | 3.35    | RETURNING arrived in SQLite 3.35            |
      | Redis    | 6.2     | GETDEL and SET ... GET arrived in Redis 6.2 |

  Scenario Outline: a fact one scenario records on <backend> is invisible to another
    Given a scenario working on <backend>
    And a second scenario working on <backend> at the same time
    When the first scenario records the fact "the sky is green"
    Then the second scenario does not find "the sky is green"
    But the first scenario finds "the sky is green"

    Examples:
      | backend  |
      | Postgres |
      | SQLite   |
      | Redis    |
