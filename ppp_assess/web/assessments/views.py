"""Views of the assessments blueprint."""
