"""Input formats: each module reads one format into raw tables for validation."""
