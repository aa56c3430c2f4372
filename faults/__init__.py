"""The fault suite: real processes against throwaway Redis and PostgreSQL servers (issue 15)."""
