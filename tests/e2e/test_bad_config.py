"""A misspelled `podlb:*` config key in a Python stack, through the real CLI: `pulumi preview`
fails with the message that names the key and the one meant ("did you mean", as the README
says), from the program itself, and no Python traceback from the program, the plugin or the
language host."""

from __future__ import annotations

from pathlib import Path

import pytest

from podlb_component.sandbox import Sandbox

from .cli import REPO, PulumiCli
from .test_examples import seed_all
from .twin import refused_at_preview

EXAMPLE = REPO / "examples" / "vpc-route-ipvlan"


@pytest.mark.parametrize(
    ("typo", "meant", "value"),
    [("podlb:regoin", "region", "bj"), ("podlb:acessKeyId", "accessKeyId", "AKtypo")],
)
def test_a_misspelled_config_key_is_named_by_the_program_with_no_traceback(
    pulumi: PulumiCli, sandbox: Sandbox, typo: str, meant: str, value: str
) -> None:
    seed_all(sandbox)
    project = pulumi.project(EXAMPLE, config={typo: value})
    output = refused_at_preview(pulumi, project)
    assert f"did you mean '{meant}'" in output, output[-4000:]
    # named by the program before the provider is configured: the engine aborting a running
    # program (on the provider's CheckConfig) is what printed six tracebacks (real-engine.md, 19)
    assert "error: pulumi:providers:podlb" not in output, output[-4000:]
    assert "_InactiveRpcError" not in output and "KeyboardInterrupt" not in output, output[-4000:]


def test_a_bad_argument_of_an_explicit_provider_is_named_by_the_program(
    pulumi: PulumiCli, sandbox: Sandbox, tmp_path: Path
) -> None:
    source = tmp_path / "explicit-provider"
    source.mkdir()
    (source / "Pulumi.yaml").write_text("name: explicit-provider\nruntime: python\n")
    (source / "__main__.py").write_text(
        "from podlb_component import Provider\n"
        "Provider('alt', {'access_key_id': 'AKalt1', 'secret_access_key': 'SKalt1', 'region': 'Bei Jing'})\n"
    )
    output = refused_at_preview(pulumi, pulumi.project(source))
    assert "podlb alt: region: podlb:region is malformed ('Bei Jing')" in output, output[-4000:]
    assert "error: pulumi:providers:podlb" not in output, output[-4000:]
