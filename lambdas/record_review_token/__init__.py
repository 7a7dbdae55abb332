"""The ``record_review_token`` Lambda function (implemented by issue 6)."""
