"""Views of the organisations blueprint."""
