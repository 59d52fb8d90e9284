@backends:postgres,sqlite,redis,redis_cluster
Feature: Tasks are claimed by priority, and delayed tasks wait for their time

  Rule: a task of higher priority is claimed before one of lower priority; equal ones in the order they came

    Scenario: the most urgent task is claimed first
      Given a work queue holding "tidy logs" at priority 0, "restore backup" at priority 5 and "rotate keys" at priority 0
      When a worker claims the tasks one by one
      Then it gets "restore backup", "tidy logs", "rotate keys" in that order

  Rule: a delayed task cannot be claimed before its time, by the server's clock

    Scenario: a task delayed by 1 second is not claimed before its time
      Given a work queue holding the task "send reminder" delayed by 1 second
      Then the queue counts 1 task delayed and none ready
      And no worker can claim a task yet
      When 1 second has passed
      Then a worker claims "send reminder"
