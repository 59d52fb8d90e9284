"""Domain helpers the step definitions use, one package per capability as in features/.

``records``, ``memory``, ``coordination``, ``backup``, ``faults``, ``cluster`` and ``platform``
mirror the folders of features/; ``api`` binds the steps to the sync or the asyncio API
(``--api``); ``common`` holds what every capability uses; ``underneath`` holds the few
helpers that look under the public API (rows in tables, keys on servers). The domain-free
plugins (servers, isolation, reports) live in harness/.
"""
