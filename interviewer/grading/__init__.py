"""Grading an answer against a question's key points: the grader protocol and registry, the embedding grader,
the LLM hybrid, calibration, flags and the score."""
