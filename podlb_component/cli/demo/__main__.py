"""Root Pulumi program: a pod-direct cluster and its Services from stack config
(Pulumi.<stack>.yaml). `pulumi up` runs it for real; `podlb plan` previews it offline."""

from podlb_component.program import main

main()
