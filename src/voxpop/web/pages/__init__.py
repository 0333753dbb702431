"""Server-rendered pages (Jinja2); router.py gathers the page routers that app.py mounts."""
