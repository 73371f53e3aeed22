"""The REST API: routers by resource, dependencies in deps.py, one error shape in errors.py."""
