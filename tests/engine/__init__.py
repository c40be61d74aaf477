"""Tests of the engine-backed target and the Dapr app."""
