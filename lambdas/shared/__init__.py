"""Code shared by the Lambda handlers: observability, settings and contracts."""
