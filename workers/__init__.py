"""Celery workers: the app in app.py, tasks in modules by concern."""
