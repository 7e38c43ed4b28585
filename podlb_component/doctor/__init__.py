"""`podlb doctor`: read-only checks of a live CCE cluster (and one Service) against the CCE
guide's conditions for pod-direct LoadBalancer Services."""

from .checks import Check, worst
from .run import DoctorInputs, run_doctor

__all__ = ["Check", "DoctorInputs", "run_doctor", "worst"]
