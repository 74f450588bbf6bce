"""How srs looks: the only place for rich, plotext and matplotlib, and the one spelling of numbers."""
