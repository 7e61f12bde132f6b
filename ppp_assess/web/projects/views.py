"""Views of the projects blueprint."""
