@slow @backends:postgres,redis
Feature: A stalled server costs a caller a clear error within its bound, never a stuck thread
  A server that accepts connections but does not answer (paused, or a lock held by someone
  else) makes a call wait no longer than the wait the operator set; the call then fails in one
  line naming the server, and no thread of the agent is left blocked.

  Scenario: a call to a stalled server gives up within its 1-second wait
    Given an agent with a memory on a server that may fail, waiting at most 1 second for an answer
    When the server stalls for 5 seconds
    And the agent calls it from 4 threads at once
    Then every call fails within 3 seconds with one line naming the server
    And no thread of the agent is left blocked
