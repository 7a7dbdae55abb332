"""The ``aiminer`` command line (composition root for local use)."""
