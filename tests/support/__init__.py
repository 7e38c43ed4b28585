"""Our own test harness (scaffolding that does not ship in the wheel)."""
