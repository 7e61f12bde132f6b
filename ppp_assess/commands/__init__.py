"""Groups of ``flask --app wsgi`` commands, one module per feature."""
