"""The ``deidentify_object`` Lambda function (implemented by issue 5)."""
