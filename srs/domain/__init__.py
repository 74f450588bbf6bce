"""Pure logic: cards' values, parsing, identity, scheduling, queue rules, statistics, the optimizer.

No I/O, no clock (``now`` is a parameter), no database, no terminal (tests/test_house.py, lint-imports)."""
