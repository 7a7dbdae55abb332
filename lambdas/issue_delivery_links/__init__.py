"""The ``issue_delivery_links`` Lambda function (implemented by issue 7)."""
