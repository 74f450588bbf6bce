"""The benchmark harness of ``srs``: ``python -m bench`` (or ``make bench``).

It builds synthetic collections (cards with years of reviews drawn from a known FSRS model,
via :mod:`srs.app.synthetic`, and a tree of Markdown study plans and paper notes), runs each
``srs`` command in a child process a few times, and prints one table: the median time, the
floor (the least the same work can cost, measured in the same run), their ratio, the peak
RSS of the child, and PASS/FAIL against the targets of issue 8. See ``BENCHMARKS.md``.

Nothing here is imported by ``srs`` itself; this package only imports the standard library
at the top, so ``python -m bench --help`` is instant.
"""
