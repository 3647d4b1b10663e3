"""`python -m interviewer.cli`: the same as the `interviewer` command."""

from interviewer.cli import main

main()
