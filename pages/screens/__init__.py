"""The screens of the app, one module per page (registered in ui/registry.py, run by app.py)."""
