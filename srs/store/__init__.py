"""The database: the only package that talks to SQLAlchemy.

``Collection`` (in :mod:`srs.store.collection`) opens a collection by path or URL, upgrades
its schema through Alembic, and hands out short transactions. ``srs.store.models`` holds the
tables. Feature query modules (``srs.store.<feature>``) hold the SQL of one feature each.
"""
