@backends:redis_cluster
Feature: Memory on a Redis Cluster
  A fleet that outgrows one Redis keeps its memories on a cluster of several masters, each
  with a replica. Each agent's memory lives whole on one master, so its updates stay atomic;
  different agents' memories land on different masters, so the load spreads.

  Rule: memories spread over every master, each memory whole on one

    Scenario: 60 agents' memories spread over all 3 masters, each kept whole on one
      Given 60 agents, each with a memory of its own on the cluster
      When each agent remembers 10 facts
      Then each agent's memory is kept whole on a single master
      And every one of the 3 masters keeps some of the memories, none more than half of them
