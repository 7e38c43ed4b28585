"""`podlb plan` reports every invalid input of a run — each component's on its own, every bad
field of one component — with exit status 1, one block per error on stderr and
`errors: [{resource, field, message, fix}]` in JSON/YAML."""

import json

import pytest
import yaml

from podlb_component.cli import main
from podlb_component.errors import PodLbError, PodLbErrors
from podlb_component.service.args import validate_service_args

CLUSTER = {"cluster_id": "cce-t1", "network_mode": "kubenet", "node_security_group_ids": ["g-1"]}
WEB = {
    "name": "web",
    "selector": {"app": "web"},
    "ports": [{"port": 80, "target_port": 8080}],
    "expected_backends": 3,
    "load_balancer_source_ranges": ["203.0.113.0/24"],
}
API = {"name": "api", "selector": {"app": "api"}, "ports": [{"port": 81}], "expected_backends": 3, "internal": True}
# three independent mistakes: one in the cluster, one in each Service
BAD_CLUSTER = {**CLUSTER, "backend_quota": 0}
BAD_WEB = {**WEB, "ports": [{"port": 80, "target_port": "http"}]}
BAD_API = {**API, "session_affinity": "Sticky"}
WEB_ARGS = {k: v for k, v in WEB.items() if k != "name"}  # a program names the component itself
BAD_WEB_ARGS = {k: v for k, v in BAD_WEB.items() if k != "name"}
THREE = [
    ("cluster", "backend_quota", "must be a whole number >= 1, got 0"),
    ("web", "ports[0].target_port", "is the named port 'http'"),
    ("api", "session_affinity", "must be 'None' or 'ClientIP', got 'Sticky'"),
]
DOCUMENT_KEYS = {  # the keys of plan's document
    "project",
    "stack",
    "python",
    "assumed_cluster",
    "lb_controller",
    "resources",
    "security_groups",
    "security_group_rules",
    "rules_per_group",
    "kubernetes_objects",
    "warnings",
    "errors",
    "notes",
    "outputs",
}


def plan(capsys, *args):
    code = main(["plan", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


def config_project(tmp_path, cluster, services):
    """The root project's shape: the program reads the cluster and Services from stack config."""
    (tmp_path / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (tmp_path / "__main__.py").write_text("from podlb_component.program import main\nmain()\n")
    config = {"t:cluster": {"vpc_cidr": "10.0.0.0/16", **cluster}, "t:services": services}
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
    return tmp_path


def program_project(tmp_path, body):
    (tmp_path / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nfrom podlb_component import PodDirectCluster, PodDirectService\n" + body
    )
    return tmp_path


def test_three_independent_mistakes_are_all_named_on_stderr(capsys, tmp_path):
    code, out, err = plan(capsys, config_project(tmp_path, BAD_CLUSTER, [BAD_WEB, BAD_API]))
    assert code == 1 and out == ""
    assert err.splitlines() == [
        "podlb plan: 3 invalid inputs in stack 'dev':",
        "podlb cluster: backend_quota: must be a whole number >= 1, got 0",
        "  fix: leave it at 50 unless Baidu raised your appblb backend quota",
        "podlb web: ports[0].target_port: is the named port 'http'; a named port can't be opened in a security "
        "group, and pod-direct traffic reaches the Pod on the target port itself",
        "  fix: use the container port number, e.g. target_port=8080",
        "podlb api: session_affinity: must be 'None' or 'ClientIP', got 'Sticky'",
        "  fix: use 'ClientIP' to pin clients to a Pod, else leave it unset",
    ]


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_three_independent_mistakes_are_all_in_the_document(capsys, tmp_path, fmt):
    code, out, err = plan(capsys, config_project(tmp_path, BAD_CLUSTER, [BAD_WEB, BAD_API]), "-o", fmt)
    data = json.loads(out) if fmt == "json" else yaml.safe_load(out)
    assert code == 1 and "3 invalid inputs" in err
    assert set(data) == DOCUMENT_KEYS and data["resources"] == []
    details = data["errors"]
    assert [set(d) for d in details] == [{"resource", "field", "message", "fix"}] * 3
    assert [(d["resource"], d["field"]) for d in details] == [(r, f) for r, f, _ in THREE]
    for detail, (_, _, message) in zip(details, THREE, strict=True):
        assert detail["message"].startswith(message) and detail["fix"]
    assert details[1]["fix"] == "use the container port number, e.g. target_port=8080"


def test_a_python_program_goes_on_past_a_refused_cluster_and_a_refused_service(capsys, tmp_path):
    """The program uses what the refused components give (exports, parent, provider): plan
    still reaches every component. The cluster's bad quota isn't held against its Services."""
    body = (
        "import pulumi_kubernetes as k8s\n"
        f"c = PodDirectCluster('prod', {{**{CLUSTER!r}, 'cluster_id': 'c-0ld', 'backend_quota': 'lots'}})\n"
        "k8s.core.v1.ConfigMap('cm', data={'a': 'b'}, opts=pulumi.ResourceOptions(parent=c, "
        "provider=c.kubernetes_provider))\n"
        "web = PodDirectService('web', {'cluster': c, 'selector': {'app': 'web'}, 'ports': [{'port': 80}], "
        "'expected_backends': 70, 'namespace': 'Shop'})\n"
        "pulumi.export('web', web.address)\n"
        "api = PodDirectService('api', {'cluster': c, 'selector': {'app': 'api'}, 'ports': [{'port': 0}], "
        "'expected_backends': 2, 'opts_note': 1})\n"
        "pulumi.export('cluster', c.cluster_id)\n"
        "k8s.core.v1.ConfigMap('after', data={'a': 'b'}, opts=pulumi.ResourceOptions(depends_on=[web, api]))\n"
    )
    code, out, err = plan(capsys, program_project(tmp_path, body), "-o", "json")
    assert code == 1 and "Traceback" not in err
    data = json.loads(out)
    assert [(d["resource"], d["field"]) for d in data["errors"]] == [
        ("prod", "cluster_id"),
        ("prod", "backend_quota"),
        ("web", "namespace"),
        ("api", "opts_note"),
        ("api", "ports[0].port"),
    ]
    assert data["notes"] == []  # the program ran to its end


def test_every_bad_field_of_one_service_without_knock_on_errors():
    service = {
        "selectr": {"app": "web"},  # misspelt: reported once, not again as a missing selector
        "namespace": "Shop",
        "ports": [{"name": "a", "port": 0}, {"name": "b", "port": 81, "protocol": "SCTP"}],
        "internal": "yes",
    }
    with pytest.raises(PodLbErrors) as caught:
        validate_service_args("web", service, backend_quota=50, cluster_name="prod")
    assert [e.field for e in caught.value.errors] == [
        "selectr",
        "namespace",
        "ports[0].port",  # ports[0]'s target_port defaults to this port: no second error
        "ports[1].protocol",
        "internal",
    ]
    assert "did you mean 'selector'?" in caught.value.errors[0].problem
    # code that reads one error sees the first, as before
    assert isinstance(caught.value, PodLbError) and caught.value.field == "selectr"
    assert str(caught.value).count("\n  fix: ") == 5


def test_a_single_mistake_is_a_plain_podlb_error():
    with pytest.raises(PodLbError) as caught:
        validate_service_args("web", {"selector": {"a": "b"}, "ports": [{"port": 80, "target_port": "http"}]}, 50, "c")
    assert type(caught.value) is PodLbError and caught.value.errors == (caught.value,)


def test_a_plan_file_with_three_mistakes(capsys, tmp_path):
    doc = tmp_path / "shop.yaml"
    doc.write_text(
        yaml.safe_dump(
            {
                "clusters": {"prod": {**CLUSTER, "ip_masq": "sometimes"}},
                "services": {
                    "web": {**{k: v for k, v in WEB.items() if k != "name"}, "labels": {"team": "a b"}},
                    "api": {**{k: v for k, v in API.items() if k != "name"}, "internal": "yes"},
                },
            },
            sort_keys=False,
        )
    )
    code, out, _ = plan(capsys, doc, "-o", "json")
    assert code == 1
    assert [(d["resource"], d["field"]) for d in json.loads(out)["errors"]] == [
        ("prod", "ip_masq"),
        ("web", "labels['team']"),
        ("api", "internal"),
    ]


def test_a_program_that_stops_on_a_refused_service_says_what_was_not_checked(capsys, tmp_path):
    body = (
        f"c = PodDirectCluster('prod', {CLUSTER!r})\n"
        "web = PodDirectService('web', {'cluster': c, 'selector': {'app': 'web'}, 'ports': [{'port': 0}]})\n"
        "web.service.metadata\n"  # a refused Service has no Kubernetes Service
    )
    code, out, err = plan(capsys, program_project(tmp_path, body), "-o", "json")
    data = json.loads(out)
    assert code == 1 and "Traceback" not in err
    assert [(d["resource"], d["field"]) for d in data["errors"]] == [("web", "ports[0].port")]
    (note,) = data["notes"]
    assert note.startswith("the program stopped after the invalid inputs above") and "AttributeError" in note
    assert "note: the program stopped" in err and "web.service.metadata" in err


def test_a_collision_names_the_second_service_and_its_field(capsys, tmp_path):
    body = (
        f"c = PodDirectCluster('c', {CLUSTER!r})\n"
        "PodDirectService('web', {'cluster': c, 'selector': {'a': 'b'}, 'ports': [{'port': 80}], "
        "'expected_backends': 2})\n"
        "PodDirectService('canary', {'cluster': c, 'service_name': 'web', 'selector': {'a': 'b'}, "
        "'ports': [{'port': 81}], 'expected_backends': 2})\n"
    )
    code, out, err = plan(capsys, program_project(tmp_path, body), "-o", "json")
    assert code == 1
    (detail,) = json.loads(out)["errors"]
    assert (detail["resource"], detail["field"]) == ("canary", "service_name")
    assert "by 'web' (web-service) and 'canary' (canary-service)" in detail["message"]
    # found only once the program ran, and still said on stderr, as a validation error is
    assert err.startswith("podlb plan: invalid input in stack") and "podlb canary: service_name:" in err, err


def test_a_valid_project_still_plans_with_exit_0_and_no_errors(capsys, tmp_path):
    project = config_project(tmp_path, CLUSTER, [WEB, API])
    code, out, err = plan(capsys, project)
    assert code == 0 and err == ""
    assert "Errors (" not in out and "Warnings (" not in out
    lines = out.splitlines()
    start = lines.index("Security-group rules: 2")
    assert lines[start : start + 5] == [
        "Security-group rules: 2",
        "  GROUP  PROTOCOL  PORT  SOURCE          USED BY",
        "  g-1    tcp       8080  203.0.113.0/24  default/web",
        "  g-1    tcp       81    10.0.0.0/16     default/api",
        "  per group: g-1: 2",
    ]
    code, out, err = plan(capsys, project, "-o", "json")
    data = json.loads(out)
    assert code == 0 and err == ""
    assert set(data) == DOCUMENT_KEYS and data["errors"] == []
    assert [r["name"] for r in data["resources"]][:1] == ["cluster"] and len(data["resources"]) == 7


def test_a_bad_path_is_one_error_without_a_resource(capsys, tmp_path):
    code, out, err = plan(capsys, tmp_path / "nowhere", "-o", "json")
    (detail,) = json.loads(out)["errors"]
    assert code == 1 and err.startswith(f"podlb plan: {tmp_path / 'nowhere'}: no such file or directory")
    assert detail["resource"] == detail["field"] == detail["fix"] == ""
    assert "no such file or directory" in detail["message"]


def test_every_bad_field_of_one_cluster_without_knock_on_errors(capsys, tmp_path):
    body = (
        "c = PodDirectCluster('prod', {'cluster_id': 'cce-t1', 'network_mode': 'kubenet', "
        "'node_security_group_ids': ['g-1', 'sg-2'], 'ip_masq': pulumi.Output.from_input('auto'), "
        "'lb_controller': 'helm', 'lb_controller_chart': {'repo': 'https://charts.example'}, 'backend_quota': -1})\n"
    )
    code, out, _ = plan(capsys, program_project(tmp_path, body), "-o", "json")
    details = json.loads(out)["errors"]
    assert code == 1
    # an Output ip_masq is not also "not 'auto' or 'skip'"; a misspelt chart key is not also a missing repository
    assert [(d["resource"], d["field"]) for d in details] == [
        ("prod", "ip_masq"),
        ("prod", "node_security_group_ids[1]"),
        ("prod", "lb_controller_chart"),
        ("prod", "backend_quota"),
    ]
    assert "is an Output" in details[0]["message"] and "unknown keys ['repo']" in details[2]["message"]


def test_only_plan_keeps_going(capsys, tmp_path):
    """After plan, the components raise at the first refusal again (as under `pulumi preview`)."""
    from podlb_component import PodDirectCluster, PodDirectService

    inits = (PodDirectCluster.__init__, PodDirectService.__init__)
    code, _, _ = plan(capsys, config_project(tmp_path, BAD_CLUSTER, [BAD_WEB]))
    assert code == 1 and (PodDirectCluster.__init__, PodDirectService.__init__) == inits
    with pytest.raises(PodLbError, match="backend_quota"):
        PodDirectCluster("again", BAD_CLUSTER)  # raised at once, not kept


def test_a_program_that_handles_a_refusal_itself_plans_as_it_previews(capsys, tmp_path):
    body = (
        "from podlb_component.errors import PodLbError\n"
        "try:\n"
        f"    c = PodDirectCluster('c', {BAD_CLUSTER!r})\n"
        "except PodLbError:\n"
        f"    c = PodDirectCluster('c', {CLUSTER!r})\n"
        f"PodDirectService('web', {{'cluster': c, **{WEB_ARGS!r}}})\n"
    )
    code, out, err = plan(capsys, program_project(tmp_path, body))
    assert code == 0 and err == "", err
    assert "PodDirectService" in out


def test_a_refusal_does_not_hide_what_plan_finds_in_the_rest(capsys, tmp_path):
    """A refused Service, and two others that would make one Kubernetes Service twice: both."""
    body = (
        f"c = PodDirectCluster('c', {CLUSTER!r})\n"
        f"PodDirectService('bad', {{'cluster': c, **{BAD_WEB_ARGS!r}}})\n"
        f"PodDirectService('web', {{'cluster': c, **{WEB_ARGS!r}}})\n"
        f"PodDirectService('web-2', {{'cluster': c, 'service_name': 'web', **{WEB_ARGS!r}}})\n"
    )
    code, out, _ = plan(capsys, program_project(tmp_path, body), "-o", "json")
    messages = [f"{e['resource']} {e['field']} {e['message']}" for e in json.loads(out)["errors"]]
    assert code == 1 and len(messages) == 2, messages
    assert "ports[0].target_port" in messages[0] and "would be created twice" in messages[1], messages
