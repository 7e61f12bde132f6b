"""Views of the certificates blueprint."""
