"""Training courses, sessions and attendance. Filled in by the training issue."""
