"""AI MINER infrastructure: CDK v2 constructs (one per concern) composed into the partner and repository stacks.

``app.py`` calls :func:`infra.application.build_app`; every resource name, key schema and env var key comes from
:mod:`aiminer.topology`.
"""
