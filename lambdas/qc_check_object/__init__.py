"""The ``qc_check_object`` Lambda function (implemented by issue 6)."""
