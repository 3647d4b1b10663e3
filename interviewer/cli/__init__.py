"""The command line: `interviewer ...`, a front over the same use cases as the web API."""

from interviewer.cli.main import app, main

__all__ = ["app", "main"]
