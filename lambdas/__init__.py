"""Lambda handlers: thin composition of the aiminer core and its AWS adapters (one package per function)."""
