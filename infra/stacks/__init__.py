"""The two stacks: a partner ingest stack per academic partner and the repository stack."""
