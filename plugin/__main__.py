"""pulumi-resource-podlb, started by the Python language host as `python <this folder> [flags] ENGINE`
in the venv it made from requirements.txt: podlb's custom resources and Construct, one process."""

from podlb_component.plugin import serve

serve()
