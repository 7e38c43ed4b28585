"""`python -m podlb_component.provider`: the provider layer alone, serving the custom resources
(no components; GetSchema says so). The plugin users run is `pulumi-resource-podlb`
(podlb_component/plugin.py), which adds Construct."""

from .server import serve

serve()
