Feature: Agents tell each other what happened, at most once
  Agents publish events on named channels and others subscribe to them.

  @backends:postgres,redis,redis_cluster
  Rule: a subscriber receives, in order, every event published while it listens

    Scenario: a listening agent receives 3 events in the order they were published
      Given an agent listening on the channel "builds"
      When another agent publishes "build 1 is green", "build 2 is red", "build 3 is green" on "builds"
      Then the listening agent receives "build 1 is green", "build 2 is red", "build 3 is green"

  @backends:postgres,redis,redis_cluster
  Rule: events are at most once: one published while nobody listens is lost, so a hand-off that must not be lost goes on a work queue

    Scenario: an agent that starts listening late misses what came before
      Given an agent that publishes "build 1 is green" on "builds" while nobody listens
      When an agent starts listening on the channel "builds"
      Then nothing reaches the listening agent

  @backends:sqlite
  Rule: the Personal Edition (SQLite) offers no events, and points to the work queue

    Scenario: asking for events on the Personal Edition is refused
      When an agent asks for events
      Then the request is refused because events are not offered, use a work queue
