Feature: Records and memory move between backends
  The portable archive carries every record and every live memory fact with its remaining
  time to live, from any backend to any other: this is how a Personal Edition user moves to
  the team server and back, and how memory moves from Redis to a database.

  Rule: records survive a move from the Personal Edition to the team server and back

    @postgres @sqlite
    Scenario: a Personal Edition user moves to the team server and back with the same records
      Given a Personal Edition store holding 5 agents with 40 executions
      When its records move to the team server and from there to a new Personal Edition store
      Then every column of every record is the same as before, type for type
      And the team server holds the same 5 agents and 40 executions

  Rule: memory keeps its values and time left within 5 seconds; expired facts stay behind

    @redis @backends:postgres,sqlite
    Scenario: memory moved from Redis keeps its facts and their time left
      Given a Redis memory holding "aqe/plan" for 60 seconds and "aqe/name" with no expiry
      And the fact "aqe/otp" in it has expired
      When the memory moves to an empty store
      Then the moved memory recalls "aqe/plan" and "aqe/name" with the same values, but not "aqe/otp"
      And "aqe/plan" has between 55 and 60 seconds left and "aqe/name" never expires
