@backends:postgres,sqlite,redis,redis_cluster
Feature: One agent at a time holds a lease
  A lease gives one agent a resource for a while.

  Rule: at most one agent holds a lease at a time, however many race for it

    Scenario: of 16 agents racing for a lease, exactly one gets it
      Given a set of leases
      When 16 agents in separate threads race for the lease "nightly-report"
      Then only one of the agents holds "nightly-report"

  Rule: an expired holder cannot touch the next holder's lease

    Scenario: an agent whose lease expired cannot extend or release the new holder's
      Given "ada" held the lease "nightly-report" for 300 milliseconds until it expired
      And "bob" then took the lease "nightly-report"
      When "ada" tries to extend and to release her lease
      Then both are refused
      And "bob" still holds "nightly-report"

  Rule: every holder gets a larger fencing token than the one before, so a stale holder's late write is refused

    Scenario: tokens increase across releases and expiries
      Given a set of leases
      When 6 agents take the lease "nightly-report" in turn, releasing it or letting it expire
      Then each agent got a larger token than the one before

    Scenario: a ledger that checks fencing tokens refuses the stale holder's late write
      Given "ada" held the lease "ledger" for 300 milliseconds until it expired
      And "bob" then took the lease "ledger" and wrote "total: 120" to the ledger
      When "ada" writes "total: 100" to the ledger with her expired lease
      Then the ledger refuses the write of "ada"
      And the ledger holds "total: 120"

  Rule: a lease needs a finite time above zero

    Scenario Outline: a lease for <ttl> is refused and nobody holds it
      Given a set of leases
      When "ada" asks for the lease "nightly-report" for <ttl>
      Then the request is refused because a lease must be a finite number of seconds above zero
      And nobody holds "nightly-report"

      Examples:
        | ttl         | Comment                                         |
        | 0 seconds   | a zero lease would lapse at once                |
        | -5 seconds  | a lease cannot end before it starts             |
        | ever        | an endless lease would never free its resource  |
        | NaN seconds | not a number                                    |
