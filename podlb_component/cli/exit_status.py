"""Exit statuses shared by the `podlb` subcommands that check something."""

EXIT_OK, EXIT_INVALID, EXIT_FAILED = 0, 1, 2
"""0 all good; 1 invalid input (or, for doctor, a warning); 2 a failure."""
