"""The interview: the state machine that asks, follows up and moves on, its phrasing, and the final report."""
