Feature: A server that stops and comes back costs an agent a clear error, never its work
  While its server is down, an agent's call fails within the connect timeout, in one line that
  names the server, instead of hanging. When the server is back, the same agent carries on
  without being restarted, and every write it was told was kept is still there.

  @backends:postgres,redis
  Rule: a call to a stopped server fails fast and clearly; the agent carries on once it is back

    Scenario: a call while the server is down fails within 10 seconds, in one line naming the server
      Given an agent with a memory on a server that may fail
      And the agent remembers "aqe/status" as "working"
      When the server stops hard
      Then the agent's next call fails within 10 seconds with one line naming the server

    Scenario: the same agent works again at its first call once the server is back
      Given an agent with a memory on a server that may fail
      And the agent remembers "aqe/status" as "working"
      When the server stops hard, the agent's call fails, and the server starts again
      Then the agent's next call succeeds without the agent being restarted

    Scenario: an agent whose connections were all cut carries on at its next call
      Given an agent with a memory on a server that may fail
      And the agent remembers "aqe/status" as "working"
      When the server cuts every connection
      Then the agent's next call succeeds without the agent being restarted

  Rule: what a restart keeps is what the server promised to keep

    @backends:postgres
    Scenario: PostgreSQL keeps every acknowledged write through a crash
      Given an agent with a memory on a server that may fail
      And the agent remembers 20 facts, each acknowledged
      When the server stops hard and starts again
      Then the agent recalls all 20 facts

    @backends:redis
    Scenario: Redis with an append-only file synced on every write keeps every acknowledged write
      Given an agent with a memory on a server that may fail
      And the server keeps an append-only file synced on every write
      And the agent remembers 20 facts, each acknowledged
      When the server stops hard and starts again
      Then the agent recalls all 20 facts

    @backends:redis
    Scenario: Redis without persistence keeps nothing through a restart
      Given an agent with a memory on a server that may fail
      And the server keeps nothing on disk
      And the agent remembers 20 facts, each acknowledged
      When the server stops hard and starts again
      Then the agent recalls none of the 20 facts
