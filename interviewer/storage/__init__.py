"""Where interviews are kept: the tables, the engine and its migrations, and the repository."""
