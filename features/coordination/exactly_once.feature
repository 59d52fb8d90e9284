@backends:postgres,sqlite,redis,redis_cluster
Feature: Every task is done exactly once
  Agents share work through a queue.

  Rule: every task is done exactly once, however many workers drain the queue

    Scenario: 8 workers in threads do each of 500 tasks exactly once
      Given a work queue holding 500 tasks
      When 8 workers in separate threads drain the queue
      Then every one of the 500 tasks was done exactly once
      And the queue counts 500 tasks done

    @slow
    Scenario: 8 workers in processes do each of 500 tasks exactly once
      Given a work queue holding 500 tasks
      When 8 workers in separate processes drain the queue
      Then every one of the 500 tasks was done exactly once
      And the queue counts 500 tasks done

  Rule: a worker that dies mid-task loses its task to another once its lease lapses, and its late word is refused

    Scenario: the task of a worker killed mid-task is taken over and done once
      Given a work queue holding 20 tasks
      When a worker holding a task for 1 second is killed in the middle of it
      And 2 workers in separate threads drain the queue
      Then every one of the 20 tasks was done exactly once

    Scenario: a killed worker that comes back late cannot complete the task another took over
      Given a work queue holding 1 task
      When a worker holding a task for 1 second is killed in the middle of it
      And another worker takes the task over once the lease has lapsed
      Then the killed worker's late completion is refused, changing nothing
      And the other worker still completes the task

  Rule: a claim cancelled before it returns loses no task (asyncio only: runs with --api=async)

    @asyncio_only
    Scenario: a task whose claim was cancelled half-way is taken over and done once
      Given a work queue holding 100 tasks
      When a worker's claim of a task for 1 second is cancelled before it returns, after the server handed it the task
      And 2 workers in separate threads drain the queue
      Then every one of the 100 tasks was done exactly once

  @backends:postgres
  Rule: when the server drops every connection mid-run, workers recover and still do every task once

    @slow
    Scenario: workers recover from dropped connections and still do every task once
      Given a work queue holding 500 tasks
      When 8 workers in separate threads drain the queue while the server drops every connection twice
      Then every one of the 500 tasks was done exactly once
      And the server did drop the workers' connections twice
