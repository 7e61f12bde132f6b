"""Views of the admin blueprint."""
