@soak @backends:postgres,redis
Feature: A soak: agents working through faults at random moments keep every promise
  Run on demand only: pytest features/faults -m soak [--soak-seconds 30]. Eight agents write
  facts and count for the soak's duration (30 seconds unless --soak-seconds says otherwise)
  while the server is stopped hard and restarted, has every connection cut, or stalls for a
  moment, at random moments. The same promises hold at the end as after a single restart.

  Scenario: 8 agents through random faults for the soak's duration keep every promise
    Given 8 agents sharing a memory on a server that keeps every acknowledged write
    When the agents work through random faults for the soak's duration
    Then every fact an agent was told was kept is there exactly once
    And no counter lost an increment an agent was told was counted
