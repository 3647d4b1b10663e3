"""Text in any language the grader meets: sentences and clauses, language detection, term aliases, word overlap."""
