"""Where podlb 0.2.0's pickled rule provider is found: old state names this module (see
provider/legacy.py). The one place below provider/ that imports it, for that reason alone."""

from ..provider.legacy import SecurityGroupRuleProvider

__all__ = ["SecurityGroupRuleProvider"]
