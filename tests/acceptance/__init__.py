"""The acceptance suite: one suite, two targets (tests/acceptance/README.md)."""
