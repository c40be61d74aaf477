"""Official Dapr SDK clients against the mock (skipped unless the SDK is installed)."""
