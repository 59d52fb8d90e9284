Feature: A Redis backup keeps the memory of the prefix it is given
  On Redis each team's memory lives under its own key prefix. `agentstore backup` and
  `agentstore export` take the prefix to keep (`--prefix`), and a restore puts the facts back
  under it. A backup that would hold nothing while the server holds memory under other
  prefixes is refused with a one-line reason naming them, and no file is written: a backup
  of nothing is found out today, not on the day of the restore.

  Rule: a Redis backup with a prefix brings its facts back

    @backends:redis
    Scenario: a team's Redis memory comes back after it was lost
      Given a Redis memory holding "aqe/plan" for 60 seconds and "aqe/name" with no expiry
      When the memory is backed up with its prefix, lost, and restored
      Then the memory holds the same facts as before it was lost
      And "aqe/plan" has between 55 and 60 seconds left again

  Rule: a backup that would hold nothing of a store is refused

    @backends:redis
    Scenario Outline: a Redis <action> under a prefix that holds nothing is refused
      Given a Redis memory holding "aqe/plan" for 60 seconds and "aqe/name" with no expiry
      When a <action> of the memory is taken with a prefix that holds nothing
      Then the <action> is refused because the backup would hold nothing of the store
      And the error names the prefix that holds the memory
      And no backup file is written

      Examples:
        | action | Comment                                  |
        | backup | `agentstore backup --url redis://...`    |
        | export | `agentstore export --url redis://...`    |
