"""CDK constructs, one per concern: keys, secure bucket, encrypted queue, function, table, workflow, delivery API."""
