"""The use cases, one module per command name: they open transactions through srs.store and return
result dataclasses (``to_json``) that srs.render draws. No click, rich or SQLAlchemy."""
