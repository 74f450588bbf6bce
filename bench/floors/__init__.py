"""Floors: the least each measured operation's work can cost, run as plain scripts.

Each file here is executed directly (``python bench/floors/NAME.py ...``), imports only the
standard library (plus the one library the floor is about: markdown-it-py, fsrs-rs-python),
and does the same data work as the ``srs`` command it is the floor of, with no framework.
"""
