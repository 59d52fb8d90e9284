@backends:redis_cluster @slow
Feature: A cluster master fails over to its replica
  When a master dies, its replica takes over by itself. Meanwhile the agents whose memories
  or work queue it kept are told they are unavailable, for a bounded time; then the same
  memory and the same queue work again, without the agent reopening them or restarting.
  A scenario that kills a master does so on a cluster of its own, which no other one uses.

  Rule: the agent carries on after a failover without reopening its memory

    Scenario: an agent's memory answers again, unopened, after its master dies
      Given an agent with a memory on a cluster of its own
      And the agent has remembered 50 facts
      When the master keeping the agent's memory dies
      Then the agent is told its memory is unavailable, for at most 60 seconds
      And afterwards the same memory remembers and recalls facts again

  Rule: the workers carry on after a failover without reopening their queue

    Scenario: a queue hands out and completes jobs again, unopened, after its master dies
      Given a work queue on a cluster of its own
      And 20 jobs waiting on it
      When the master keeping the queue dies
      Then the workers are told the queue is unavailable, for at most 60 seconds
      And afterwards the same queue takes a new job, hands it out and completes it

  Rule: the agents' leases carry on after a failover without being reopened

    Scenario: a lease is granted again, unopened, after its master dies
      Given leases on a cluster of their own
      And agents have taken the lease "nightly-report" and given it back 5 times
      When the master keeping the leases dies
      Then the agents are told the leases are unavailable, for at most 60 seconds
      And afterwards the same leases grant "nightly-report" again

  Rule: replication is asynchronous; waiting for a replica narrows what a failover can lose
    A master acknowledges a write before its replica has it. If the master dies right then,
    the replica that takes over never had the write: the agent was told the fact was kept,
    and it is gone. An agent that asks each write to wait for a replica is told only once a
    replica has it, or told that none confirmed it in time. (Even then Redis does not promise
    that no confirmed write is ever lost; it makes losing one much less likely.)
    The same holds for a work queue: a job enqueued just before its master dies can vanish
    although the agent was given its id, and a job completed just before can be handed out
    again. A queue whose every change waits for a replica loses no job a replica confirmed;
    until a new replica joins the promoted one, it reports each change as unconfirmed.
    And for leases: a fencing token given just before the master dies can be given again,
    unless each change waits for a replica.

    Scenario: every fact a replica confirmed is recalled after the master dies
      Given an agent with a memory on a cluster of its own, each write waiting for 1 replica
      And the agent has remembered 200 facts
      When the master keeping the agent's memory dies
      And the agent's memory answers again
      Then every one of the 200 facts a replica confirmed is recalled

    Scenario: every job a replica confirmed is handed out after the master dies
      Given a work queue on a cluster of its own, each change waiting for 1 replica
      And 100 jobs waiting on it
      When the master keeping the queue dies
      And the queue answers again
      Then a worker is handed every one of the 100 jobs a replica confirmed, and does them

    Scenario: a write fewer replicas confirm than asked is reported, not trusted in silence
      Given an agent with a memory on the cluster, each write waiting for 2 replicas
      When the agent remembers the fact "the sky is green"
      Then the agent is told only 1 of 2 replicas confirmed the fact in time
      But the agent recalls the fact "the sky is green"

    Scenario: a fencing token a replica confirmed is never given again after the master dies
      Given leases on a cluster of their own, each change waiting for 1 replica
      And agents have taken the lease "nightly-report" and given it back 20 times
      When the master keeping the leases dies
      Then "nightly-report" is granted with a token above every one a replica confirmed
