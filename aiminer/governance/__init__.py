"""Governance core (pure, no AWS imports): projects and sites, DUAs, cohorts and frozen datasets, delivery
manifests, audit record shapes and the fair-pricing usage ledger. See docs/governance.md.

The AWS adapters (``aiminer.adapters.aws.governance_tables`` and ``aiminer.adapters.aws.delivery``) store and
sign what these modules decide; the CLI (``aiminer.cli.governance``) and the delivery Lambda compose them.
"""
