"""srs: spaced-repetition reviews of your own Markdown notes, scheduled by FSRS."""

__version__ = "0.1.0"
