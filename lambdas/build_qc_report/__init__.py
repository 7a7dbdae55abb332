"""The ``build_qc_report`` Lambda function (implemented by issue 6)."""
