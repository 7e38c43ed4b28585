"""podlb from a YAML program (examples/yaml), through the real CLI and the YAML language host:
the plugin constructs PodDirectCluster and PodDirectService, and the stack does what its Python
twin (examples/vpc-route-ipvlan) does: every rule the Python plan lists, each once, nothing at
preview, a foreign rule untouched, the Service annotated, the ip-masq patch, nothing left after
destroy. Bad input reaches the YAML user as the Python user gets it: the field and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from podlb_component.provider.publishing import PLUGIN_DOWNLOAD_URL
from podlb_component.sandbox import Sandbox
from podlb_component.version import VERSION

from . import checks
from .cli import REPO, PulumiCli
from .test_examples import seed_all
from .twin import GROUP, assert_lifecycle_like_the_twin, refused_at_preview

EXAMPLE = REPO / "examples" / "yaml"


def _edit(project: Path, edit: dict[str, dict[str, object]]) -> None:
    """Change properties of the program's resources, as a user editing Pulumi.yaml would."""
    document = yaml.safe_load((project / "Pulumi.yaml").read_text())
    for resource, properties in edit.items():
        document["resources"][resource]["properties"].update(properties)
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False))


def test_yaml_example_lifecycle(pulumi: PulumiCli, sandbox: Sandbox) -> None:
    assert_lifecycle_like_the_twin(pulumi, sandbox, pulumi.project(EXAMPLE), language="yaml example")


def test_yaml_bad_input_names_the_field_and_the_fix(pulumi: PulumiCli, sandbox: Sandbox) -> None:
    seed_all(sandbox)
    project = pulumi.project(EXAMPLE)
    _edit(project, {"prod": {"networkMode": "vpc-route-ipvlen"}})
    output = refused_at_preview(pulumi, project)
    assert "networkMode" in output and "vpc-route-ipvlan" in output and "fix:" in output, output[-3000:]
    assert "network_mode" not in output  # named as the program names it

    # a plain input (it decides what is created) from another resource's output: refused by name
    _edit(project, {"prod": {"networkMode": "vpc-route-ipvlan"}, "shop": {"selector": {"app": "${prod.nicType}"}}})
    output = refused_at_preview(pulumi, project)
    assert "selector.app" in output and "plain input" in output, output[-3000:]
    assert checks.podlb_rules(sandbox, [GROUP]) == set()


def test_yaml_components_use_the_kubernetes_provider_passed_in_options(pulumi: PulumiCli, sandbox: Sandbox) -> None:
    """`options.providers` reaches Construct: every Kubernetes child goes through the program's
    explicit provider, and the engine makes no default Kubernetes provider."""
    seed_all(sandbox)
    project = pulumi.project(EXAMPLE)
    document = yaml.safe_load((project / "Pulumi.yaml").read_text())
    assert sandbox.kubeconfig is not None
    explicit = {"type": "pulumi:providers:kubernetes", "properties": {"kubeconfig": sandbox.kubeconfig.read_text()}}
    document["resources"] = {"k8s": explicit, **document["resources"]}
    for name in ("prod", "shop"):
        document["resources"][name]["options"] = {"providers": ["${k8s}"]}
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False))

    pulumi.run(project, "up").ok()
    resources = pulumi.resources(project)
    k8s_urn = next(r["urn"] for r in resources if r["urn"].endswith("::k8s"))
    children = [r for r in resources if r["type"].startswith("kubernetes:")]
    assert {r["type"] for r in children} == {"kubernetes:core/v1:ConfigMapPatch", "kubernetes:core/v1:Service"}
    assert all(r["provider"].startswith(k8s_urn + "::") for r in children), [r["provider"] for r in children]
    assert not any(r["type"] == "pulumi:providers:kubernetes" and r["urn"] != k8s_urn for r in resources)
    assert checks.service_exists(sandbox, "shop", "shop")
    pulumi.run(project, "destroy").ok()
    assert checks.podlb_rules(sandbox, [GROUP]) == set()


def test_a_secret_kubeconfig_stays_secret_through_construct(pulumi: PulumiCli, sandbox: Sandbox) -> None:
    """The cluster's `kubeconfig` from secret config: the component's own Kubernetes provider gets
    it encrypted, every Kubernetes child goes through that provider, and no state file holds it."""
    seed_all(sandbox)
    assert sandbox.kubeconfig is not None
    kubeconfig = sandbox.kubeconfig.read_text()
    marker = next(line.split(":", 1)[1].strip() for line in kubeconfig.splitlines() if "client-key" in line)
    project = pulumi.project(EXAMPLE)
    document = yaml.safe_load((project / "Pulumi.yaml").read_text())
    document["config"]["kubeconfig"] = {"type": "string", "secret": True}
    document["resources"]["prod"]["properties"]["kubeconfig"] = "${kubeconfig}"
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    pulumi.run(project, "config", "set", "--secret", "kubeconfig", kubeconfig).ok()

    pulumi.run(project, "up").ok()
    resources = pulumi.resources(project)
    (own,) = [r for r in resources if r["urn"].endswith("pulumi:providers:kubernetes::prod-k8s")]
    assert own["inputs"]["kubeconfig"].get("ciphertext"), own["inputs"]["kubeconfig"]
    children = [r for r in resources if r["type"].startswith("kubernetes:")]
    assert children and all(r["provider"].startswith(own["urn"] + "::") for r in children)
    for raw in pulumi.backend.rglob("*.json"):
        assert marker not in raw.read_text(), raw
    assert checks.service_exists(sandbox, "shop", "shop")
    pulumi.run(project, "destroy").ok()
    assert checks.podlb_rules(sandbox, [GROUP]) == set()


SERVICES_IN_ONE_PLUGIN = 40
"""More Services than the plugin once had threads (32): each Construct holds one until its
Service's rules are created, by the same process."""


def test_many_services_through_one_plugin(pulumi: PulumiCli, sandbox: Sandbox) -> None:
    """With the components pinned to podlb's version and download URL (as the TypeScript and Go
    SDKs pin them, and the README tells YAML users to), components and rules share one podlb
    provider process; 40 Services there once hung `up`."""
    seed_all(sandbox)
    checks.ensure_namespace(sandbox, "many")
    project = pulumi.project(EXAMPLE)
    document = yaml.safe_load((project / "Pulumi.yaml").read_text())
    cluster = document["resources"]["prod"]
    pinned = {"version": VERSION, "pluginDownloadURL": PLUGIN_DOWNLOAD_URL}
    resources: dict[str, Any] = {"prod": {**cluster, "options": pinned}}
    for i in range(SERVICES_IN_ONE_PLUGIN):
        resources[f"svc{i}"] = {
            "type": "podlb:index:PodDirectService",
            "properties": {
                "cluster": "${prod}",
                "namespace": "many",
                "selector": {"app": f"svc{i}"},
                "ports": [{"name": "http", "port": 80, "targetPort": 9000 + i}],
                "loadBalancerSourceRanges": ["203.0.113.0/24"],
                "expectedBackends": 2,
            },
            "options": dict(pinned),  # (a shared dict would be dumped as a YAML alias)
        }
    document["resources"], document["outputs"] = resources, {}
    (project / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False))

    pulumi.run(project, "up", timeout=480).ok()
    counts = checks.podlb_rule_counts(sandbox, [GROUP])
    assert {port for _, _, port, _ in counts} == {str(9000 + i) for i in range(SERVICES_IN_ONE_PLUGIN)}
    assert set(counts.values()) == {1}
    providers = [r["urn"] for r in pulumi.resources(project) if r["type"] == "pulumi:providers:podlb"]
    assert len(providers) == 1, providers  # one plugin process built and served everything
    pulumi.run(project, "destroy", timeout=480).ok()
    assert checks.podlb_rules(sandbox, [GROUP]) == set()
