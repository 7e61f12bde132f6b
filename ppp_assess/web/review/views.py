"""Views of the review blueprint."""
