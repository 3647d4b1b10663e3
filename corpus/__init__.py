"""Corpus data: source documents (`sources/`) and the question bank (`bank/`). Files only, no code."""
