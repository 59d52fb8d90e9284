Feature: A restore that cannot be trusted changes nothing
  A file that is damaged, is not a backup, or comes from a newer agentstore or PostgreSQL; a
  target that already holds data (without --force); a server connection lost part-way: each
  is refused with a one-line reason, and the target holds exactly what it held before.

  Rule: a bad backup file is refused and the target keeps what it held

    @backends:postgres,sqlite
    Scenario Outline: <file> is refused and the target is unchanged
      Given a backup of a store holding 3 agents with 12 executions
      And a target store already holding 2 agents with 6 executions
      When <file> is restored into the target, replacing what it holds
      Then the restore is refused because the backup is <reason>
      And the target holds exactly what it held before

      Examples:
        | file                                    | reason     | Comment                                        |
        | the backup cut short                    | damaged    | the file ends two thirds of the way through    |
        | a PNG image                             | damaged    | a picture, not a backup                        |
        | an empty file                           | damaged    | nothing at all                                 |
        | the backup from a newer format          | too new    | written by a newer agentstore                  |
        | the backup from a newer schema revision | too new    | its schema is ahead of this agentstore's       |

    @backends:postgres,sqlite
    Scenario: an archive with one flipped byte in the executions is refused, naming them
      Given an archive of a store holding 3 agents with 12 executions
      And a target store already holding 2 agents with 6 executions
      When the archive with one byte flipped in its executions is imported, replacing what the target holds
      Then the import is refused because the backup is damaged
      And the error names the "executions"
      And the target holds exactly what it held before

  Rule: a backup file is data, never instructions: anything but agentstore's records is refused

    @backends:postgres,sqlite
    Scenario: a backup that carries another application's trigger and table is refused
      Given a backup of a store another application has given a trigger and a table of its own
      And a target store already holding 2 agents with 6 executions
      When the backup is restored into the target, replacing what it holds
      Then the restore is refused because the backup holds more than agentstore's records
      And the target holds exactly what it held before

    @backends:postgres,sqlite
    Scenario Outline: nothing in <file> runs, and the target is unchanged
      Given a backup of a store holding 3 agents with 12 executions
      And a target store already holding 2 agents with 6 executions
      When <file> is restored into the target, replacing what it holds
      Then the restore is refused because the backup <reason>
      And the target holds exactly what it held before

      Examples:
        | file                                                     | reason                               | Comment                                  |
        | the backup naming a table that would run a shell command | holds more than agentstore's records | a name that would close a script's quote |
        | the backup listing no tables                             | is damaged                           | nothing to verify the data against       |

  Rule: PostgreSQL versions must fit: the target's server and the client programs

    @backends:postgres @slow
    Scenario: a backup from a newer PostgreSQL than the target is refused
      Given a backup of a store on a newer PostgreSQL than the target's
      And a target store already holding 2 agents with 6 executions
      When the backup is restored into the target, replacing what it holds
      Then the restore is refused because the backup is too new
      And the target holds exactly what it held before

    @backends:postgres @slow
    Scenario: a server newer than the machine's client programs is refused, naming what to install
      Given a store on a newer PostgreSQL than the machine's client programs
      When the store is backed up with only those client programs
      Then the backup is refused because the client programs are too old
      And the error names the client package to install
      And no backup file is written

  Rule: a target that holds data is replaced only when asked to, and only by verified content

    @backends:postgres,sqlite
    Scenario: a good backup restored with force replaces the target's records
      Given a store holding 3 agents with 12 executions
      And a target store already holding 2 agents with 6 executions
      When the store is backed up and restored into the target, replacing what it holds
      Then the restored store holds the same records, indexes and constraints

    @backends:postgres,sqlite
    Scenario: a restore into a store that holds data is refused without force
      Given a backup of a store holding 3 agents with 12 executions
      And a target store already holding 2 agents with 6 executions
      When the backup is restored into the target without force
      Then the restore is refused because the target holds data
      And the target holds exactly what it held before

    @backends:postgres
    Scenario: a restore cut off from its server part-way leaves the target as it was
      Given a backup of a store holding 3 agents with 12 executions
      And a target store already holding 2 agents with 6 executions
      When the target's server connection is cut while the backup is restored, replacing what it holds
      Then the restore is refused because the server connection was lost
      And the target holds exactly what it held before
