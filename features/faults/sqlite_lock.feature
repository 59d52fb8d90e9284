@slow @backends:sqlite
Feature: A Personal Edition file locked by another program makes a writer wait, then refuse cleanly
  SQLite lets one program write at a time. A writer waits for the lock up to the busy timeout
  (5 seconds), then gets a clear one-line error; nothing of its write is kept.

  Scenario: a writer waits out the busy timeout, then is refused and writes nothing
    Given an agent with a memory on a server that may fail
    And the agent remembers "aqe/plan" as "v1"
    When another program holds the write lock for 60 seconds
    And the agent remembers 5 facts at once
    Then the write is refused after at least 5 seconds and within 20 seconds, in one line
    And the agent's memory is exactly as it was before the write
