@backends:postgres,sqlite,redis,redis_cluster
Feature: The queue refuses bad input and stays as it was
  A request the queue cannot honour is refused with a one-line reason, and the queue is left
  exactly as it was: the same tasks waiting, running, done and dead.

  Rule: bad input is refused with a clear reason and changes nothing

    Scenario Outline: a worker trying to <attempt> is refused
      Given a work queue with a task done, one running and one waiting
      When a worker tries to <attempt>
      Then the request is refused because <reason>
      And the queue is unchanged

      Examples:
        | attempt                                   | reason                                                  | Comment                                        |
        | complete a task the queue never gave out  | the task is unknown                                     | no such task was ever queued                   |
        | fail a task the queue never gave out      | the task is unknown                                     | no such task was ever queued                   |
        | complete a task of another queue          | the task is unknown                                     | the task belongs to a different queue          |
        | fail a task of another queue              | the task is unknown                                     | the task belongs to a different queue          |
        | complete a task twice                     | the task is already done                                | a done task cannot be done again               |
        | fail a task after completing it           | the task is already done                                | a done task cannot fail any more               |
        | claim a task for 0 seconds                | a lease must be a finite number of seconds above zero   | a zero lease would lapse at once               |
        | claim a task for -5 seconds               | a lease must be a finite number of seconds above zero   | a lease cannot end before it starts            |
        | claim a task for ever                     | a lease must be a finite number of seconds above zero   | an endless lease would never free a dead task  |
        | claim a task for NaN seconds              | a lease must be a finite number of seconds above zero   | not a number                                   |
        | extend a claim by 0 seconds               | a lease must be a finite number of seconds above zero   | a zero extension would lapse at once           |
        | queue a task holding a set                | JSON cannot hold the task                               | sets have no JSON form                         |
        | queue a task holding NaN                  | JSON cannot hold the task                               | NaN has no JSON form                           |
        | queue a task holding raw bytes            | JSON cannot hold the task                               | bytes have no JSON form                        |
        | queue a task that may be tried 0 times    | a task may be tried at least once                       | a task that may never run                      |
        | queue a task that may be tried -1 times   | a task may be tried at least once                       | a negative number of attempts                  |
        | open a queue with an empty name           | the queue name is not usable                            | a queue needs a name                           |
        | open a queue whose name holds a line break | the queue name is not usable                           | control characters are invisible in logs       |
        | open a queue whose name holds NUL         | the queue name is not usable                            | NUL ends a string in C clients                 |

  Rule: text no backend can store and values nested too deep are refused the same way

    Scenario Outline: a request to <attempt> is refused
      Given a work queue with a task done, one running and one waiting
      When a worker tries to <attempt>
      Then the request is refused because <reason>
      And the queue is unchanged

      Examples:
        | attempt                                                    | reason                          | Comment                                  |
        | open a queue whose name holds a lone surrogate             | the queue name is not usable    | half a character cannot be written down  |
        | claim a task as a worker whose name holds a lone surrogate | the worker name is not usable   | half a character cannot be written down  |
        | fail a task with an error text holding NUL                 | the error text cannot be stored | PostgreSQL text cannot hold NUL          |
        | queue a task nested 100 deep                               | the task nests too deep         | tasks nest at most 64 levels             |
