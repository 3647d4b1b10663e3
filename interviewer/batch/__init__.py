"""Answer sets: reading them, grading them in batches, agreement with human grades, reports and refitting."""
