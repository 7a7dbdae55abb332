"""The ``reject_submission`` Lambda function (implemented by issue 6)."""
