"""The ``release_submission`` Lambda function (implemented by issue 6)."""
