"""JSON API routers under /api/v1 (one module per area); common.py holds the shared dependencies."""
