"""The ``validate_manifest`` Lambda function (implemented by issue 6)."""
