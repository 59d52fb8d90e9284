@backends:redis
Feature: The doctor warns when Redis would lose everything on a restart
  A Redis without persistence keeps nothing when it restarts. `agentstore doctor` says so in
  a warning line under the server's "ok" line; a warning does not fail the check.

  Scenario: the doctor warns about a Redis that keeps nothing on disk, and the check passes
    Given a server that may fail
    And the server keeps nothing on disk
    When the operator asks the doctor about the server
    Then the doctor warns that the server keeps nothing when it restarts
    And the doctor's check passes

  Scenario: the doctor has no warning for a Redis with an append-only file
    Given a server that may fail
    And the server keeps an append-only file synced on every write
    When the operator asks the doctor about the server
    Then the doctor gives no warning
    And the doctor's check passes
