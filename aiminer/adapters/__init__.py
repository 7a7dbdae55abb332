"""Adapters: implementations of the core's small ports (crosswalk, object store, tables) for a backend."""
