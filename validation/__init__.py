"""Validation studies run on demand (not part of the test suite): how well the measures recover the
effects injected into seeded synthetic extracts. See validation/README.md."""
