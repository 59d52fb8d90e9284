@backends:postgres,sqlite,redis
Feature: Keys list by prefix, in order, and patterns find facts
  An agent can list its keys by how they start, and search them with a pattern.

  Rule: keys are listed in order (by character code), only those starting with the prefix

    Scenario: keys starting with a prefix are listed in order
      Given an agent with a memory
      And the agent remembers the facts aqe/tasks/a, aqe/tasksXb, aqe/tasks/_x, aqe/tasks/B
      Then the keys starting with "aqe/tasks/" are aqe/tasks/B, aqe/tasks/_x, aqe/tasks/a
      And every key the agent holds is aqe/tasks/B, aqe/tasks/_x, aqe/tasks/a, aqe/tasksXb

  Rule: a pattern's "*" matches any run of characters and "?" exactly one

    Scenario: patterns match with * and ?
      Given an agent with a memory
      And the agent remembers the facts aqe/task-1, aqe/task-2, aqe/task-10, aqe/Task-3
      Then each pattern finds exactly its keys
        | pattern      | keys                                 |
        | aqe/task-?   | aqe/task-1, aqe/task-2               |
        | aqe/task-*   | aqe/task-1, aqe/task-10, aqe/task-2  |
        | aqe/*-1*     | aqe/task-1, aqe/task-10              |
        | aqe/T*       | aqe/Task-3                           |
        | aqe/task-3   | none                                 |

  Rule: every other character is literal: %, _, \, [ and ] in keys, prefixes or patterns never act as wildcards

    Scenario: a prefix holding _ or % matches only itself
      Given an agent with a memory
      And the agent remembers the facts aqe/a_1, aqe/ab1, aqe/5%off, aqe/5xoff
      Then the keys starting with "aqe/a_" are aqe/a_1
      And the keys starting with "aqe/5%" are aqe/5%off
    Scenario: wildcard characters of other languages are literal
      Given an agent with a memory
      And the agent remembers the facts aqe/100%, aqe/1000, aqe/a_b, aqe/axb, aqe/[ab], aqe/a, aqe/x\y, aqe/xy
      Then each pattern finds exactly its keys
        | pattern  | keys              |
        | aqe/100% | aqe/100%          |
        | aqe/a_b  | aqe/a_b           |
        | aqe/[ab] | aqe/[ab]          |
        | aqe/x\y  | aqe/x\y           |
        | aqe/*%   | aqe/100%          |
        | aqe/?_?  | aqe/a_b           |
        | aqe/[*]  | aqe/[ab]          |
