"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``."""

from ppp_assess import create_app

app = create_app()
