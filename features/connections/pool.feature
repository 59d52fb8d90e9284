@backends:postgres
Feature: Connections to the team database are pooled
  The team edition talks to PostgreSQL through a pool of connections.

  Rule: operations one after another reuse one pooled connection

    Scenario: operations one after another reuse one connection
      Given an agent store
      When 10 operations run one after another
      Then one server connection served them all

  Rule: when every connection is in use, a caller waits the configured time, then gets a clear error instead of hanging

    Scenario: an exhausted pool answers with a clear error after its wait
      Given an agent store whose pool holds 2 connections and waits 150 milliseconds
      And 2 callers each hold a connection
      When a third caller asks for a connection
      Then the third caller is told the pool is exhausted after 150 milliseconds

  Rule: a run leaves no connection behind, and closing the store closes them all

    Scenario: a run that includes failures gives every connection back to the pool
      Given an agent store
      When 20 operations run on 4 threads, every fifth one refused
      Then 4 of the 20 operations were refused
      And every connection is back in the pool

    Scenario: closing the store closes every connection it opened
      Given an agent store
      And 20 operations have run on 4 threads, every fifth one refused
      When the store is closed
      Then the server holds no connection for it

  Rule: when the server drops every connection, the next operation reconnects and succeeds

    Scenario: the store reconnects after the server drops every connection
      Given an agent store with the agent "ada" as a "planner"
      When the server terminates every connection to the store
      Then the agent "ada" is a "planner" with no capabilities
