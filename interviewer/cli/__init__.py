"""The command line: `interviewer ...`, a front over the same use cases as the web API."""

from interviewer.cli.common import app
from interviewer.cli.main import main

__all__ = ["app", "main"]
