"""Newsletters and report records. Filled in by the reports issue."""
