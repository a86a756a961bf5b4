"""API and page routers."""
