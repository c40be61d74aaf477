"""Tests of the mock server: pure engine and handler level."""
