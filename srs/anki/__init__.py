"""Anki's formats: the package reader, cloze and note types, Markdown <-> HTML. Never touches store or app."""
