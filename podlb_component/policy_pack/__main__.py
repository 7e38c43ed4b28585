"""The podlb policy pack: `podlb policy-pack DIR`, then `pulumi preview --policy-pack DIR`. The PolicyPack constructor
starts the analyzer server, so it lives only here; the policies are in podlb_policies.py."""

from podlb_policies import ALL_POLICIES
from pulumi_policy import PolicyPack

PolicyPack(name="podlb-cce-pod-direct", policies=ALL_POLICIES)
