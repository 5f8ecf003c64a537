"""The analyses: each module answers one family of questions and returns DataFrames."""
