"""podlb's own test harness: the provider host and lifecycle runner (the engine's calls, over
gRPC), a fake Kubernetes API for doctor, the README's doctor demo. Not shipped in the wheel."""
