"""Interactive HTML maps and reports."""
