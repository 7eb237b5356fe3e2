"""Evaluation: answer reading (`answers`, shared with the quiz), metrics, scoring and the runner."""
