Feature: Agents coordinate through the shared memory
  Agents post to a shared board in the memory while they work.

  @backends:postgres,sqlite,redis,redis_cluster
  Rule: agents posting at full speed lose no update

    Scenario: 4 agents posting 250 updates each lose none
      Given a shared board in the memory
      When 4 agents in separate threads each post 250 updates to the board
      Then the board holds 1000 updates
      And the board counted 1000 updates

  @backends:postgres,sqlite,redis,redis_cluster
  Rule: a session's shared state is gone for every agent once its time to live runs out

    Scenario: the session's shared state is gone for every agent once it expires
      Given agents sharing the session state "aqe/session/42" for 1 second
      When the session's time to live runs out
      Then no agent finds "aqe/session/42"

  @postgres @redis
  Rule: a read-through cache on Redis in front of the database serves repeat reads and stays correct

    Scenario: repeated reads of a record are served by the cache
      Given the agent "ada" recorded with the role "planner", read through a cache
      When the role of "ada" is read 3 times
      Then each read gives "planner"
      And the database was asked once and the cache served 2 reads

    Scenario: the cache gives the new value after the record changes
      Given the agent "ada" recorded with the role "planner", read through a cache
      And the role of "ada" was read once
      When the role of "ada" changes to "reviewer"
      Then reading the role of "ada" gives "reviewer"
