@backends:postgres,sqlite,redis
Feature: Failing tasks are retried, then kept as dead letters
  A task that fails is tried again, up to the number of attempts it was given; then it is
  kept aside as a dead letter with its last error, until someone requeues it.

  Rule: a task is retried up to its attempts, then dead-lettered with its last error

    Scenario: a task that fails every time is tried 3 times, then dead-lettered
      Given a work queue holding the task "send invoice" that may be tried 3 times
      When a worker fails "send invoice" each time it is claimed, with the error "mail server down"
      Then "send invoice" was tried 3 times
      And the dead letters hold "send invoice" with the error "mail server down"

    Scenario: a task that fails once is done on its second attempt
      Given a work queue holding the task "send invoice" that may be tried 3 times
      When a worker fails "send invoice" once with the error "timeout", then completes it
      Then the queue counts 1 task done
      And the dead letters are empty

  Rule: a dead letter can be requeued

    Scenario: a requeued dead letter is done
      Given a work queue whose task "send invoice" is a dead letter
      When the dead letter "send invoice" is requeued
      And a worker completes the next task
      Then the queue counts 1 task done
      And the dead letters are empty
