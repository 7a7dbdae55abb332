"""AI MINER: de-identify medical images, reports and metadata to HIPAA Safe Harbor and share them under governance.

The core (``aiminer.dicom``, ``aiminer.text``, ``aiminer.codes``, ``aiminer.crosswalk``) is pure Python with no
AWS imports; AWS adapters live in ``aiminer.adapters``; the CLI (``aiminer.cli``) and the Lambda handlers
(``lambdas/``) compose them.
"""

__version__ = "0.1.0"
