"""The conformance suite: scenario, schema and model-based tests run against --target."""
