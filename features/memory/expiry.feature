@backends:postgres,sqlite,redis
Feature: Facts expire on time
  A fact remembered with a time-to-live is forgotten when that time runs out.

  Rule: a fact is recalled until its time-to-live runs out, not after, and the memory tells how long is left

    Scenario: a fact expires just after its time-to-live
      Given an agent with a memory
      When the agent remembers "aqe/otp" as "4711" for 300 milliseconds
      Then the agent recalls "aqe/otp" as "4711" while its time-to-live lasts
      When 400 milliseconds pass
      Then the agent no longer recalls "aqe/otp"
    Scenario: the memory tells how long a fact has left
      Given an agent with a memory
      When the agent remembers "aqe/lease" as "mine" for 30 seconds
      And the agent remembers "aqe/name" as "Ada"
      Then the memory reports between 28 and 30 seconds left for "aqe/lease"
      And the memory reports no expiry for "aqe/name"

  Rule: an expired fact is never recalled, listed, matched or counted, even before any cleanup

    Scenario: an expired fact is invisible everywhere
      Given an agent with a memory
      And the agent remembers "aqe/otp" as "4711" for 300 milliseconds
      When 400 milliseconds pass
      Then the expired fact "aqe/otp" is neither recalled, listed, matched nor counted

  Rule: remembering a fact again without a time-to-live makes it permanent, with one replaces it

    Scenario: remembering a fact again without a time-to-live keeps it
      Given an agent with a memory
      And the agent remembers "aqe/otp" as "4711" for 300 milliseconds
      When the agent remembers "aqe/otp" as "4712"
      And 400 milliseconds pass
      Then the agent recalls "aqe/otp" as "4712"
    Scenario: remembering a fact again with a new time-to-live replaces the old one
      Given an agent with a memory
      And the agent remembers "aqe/otp" as "4711" for 300 milliseconds
      When the agent remembers "aqe/otp" as "4712" for 10 seconds
      And 400 milliseconds pass
      Then the memory reports between 8 and 10 seconds left for "aqe/otp"

  Rule: expired facts leave nothing behind in storage

    @backends:postgres,sqlite
    Scenario: cleanup removes an expired fact from the database
      Given an agent with a memory
      And the agent remembers "aqe/otp" as "4711" for 300 milliseconds
      When the memory is cleaned up 400 milliseconds later
      Then the cleanup reports 1 removed
      And nothing of "aqe/otp" is left in storage

    @backends:redis
    Scenario: on Redis the fact expires by itself and cleanup removes what pointed to it
      Given an agent with a memory
      And the agent remembers "aqe/otp" as "4711" for 300 milliseconds
      When the memory is cleaned up 400 milliseconds later
      Then nothing of "aqe/otp" is left in storage
