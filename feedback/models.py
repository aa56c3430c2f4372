"""Outcome feed, letters, suggestions and surveys. Filled in by the feedback-loop issue."""
