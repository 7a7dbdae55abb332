"""The local runtime: moto on loopback standing in for AWS, the same resources (names from
:mod:`aiminer.topology`), the real handlers driven by an SQS poller, and the same state machine definition.

See docs/local-runtime.md.
"""
