"""The package named like podlb's distribution, for the file beside this one: pulumi-plugin.json.

Pulumi's Python language host finds a program's provider plugins by looking, for each installed
distribution, in the top-level package named like it (`podlb`) for that file; podlb's code is
`podlb_component`. So a stack whose virtualenv holds podlb gets the matching
`pulumi-resource-podlb` on `pulumi install` / `pulumi preview` with no other step (docs/design.md,
"Getting the plugin to the engine"). The file is generated, from a clone: `python -m
tests.support.schema_gen --write`. Import podlb_component, not this.
"""
