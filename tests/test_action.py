"""action.yml, the composite GitHub Action: its shell steps run here as a runner would run them.

Each step's `run:` goes to `bash --noprofile --norc -eo pipefail` (GitHub's bash), with the step's
env evaluated from the inputs and earlier steps' outputs, GITHUB_OUTPUT/GITHUB_STEP_SUMMARY/
GITHUB_PATH pointing at temp files. pipx installs from the wheelhouse scripts/test builds: no
package index. Each install costs ~10 s, so two tests install and the rest reuse a storectl.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from storectl import __version__
from testing.procs import free_port
from tests.conftest import REPO, run, write
from tests.wheelhouse import Wheelhouse, wheelhouse

ACTION: dict[str, Any] = yaml.safe_load((REPO / "action.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]


@dataclass
class Step:
    id: str
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]


@dataclass
class ActionRun:
    steps: dict[str, Step] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    path: list[str] = field(default_factory=list)

    @property
    def failed(self) -> Step | None:
        return next((s for s in self.steps.values() if s.returncode), None)


def read_outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT's two forms: `key=value` and `key<<DELIMITER` ... `DELIMITER`."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text().splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            outputs[key] = "\n".join(iter(lambda: next(lines), delimiter))
        elif "=" in line:
            key, value = line.split("=", 1)
            outputs[key] = value
    return outputs


def evaluate(text: str, context: dict[str, Any]) -> str:
    """`${{ inputs.x }}`, `${{ github.action_path }}`, `${{ steps.id.outputs.x }}` (a missing
    output is "", as on GitHub); any other expression fails the test."""

    def value(match: re.Match[str]) -> str:
        parts = match.group(1).split(".")
        if len(parts) == 4 and parts[0] == "steps" and parts[2] == "outputs":
            return str(context["steps"].get(parts[1], {}).get("outputs", {}).get(parts[3], ""))
        current: Any = context
        for part in parts:
            if not isinstance(current, dict) or part not in current:
                raise AssertionError(f"action.yml uses an expression this runner lacks: {text}")
            current = current[part]
        return str(current)

    return EXPRESSION.sub(value, text)


def run_action(
    inputs: dict[str, str],
    folder: Path,
    env: dict[str, str],
    action_path: Path = REPO,
    given: dict[str, dict[str, str]] | None = None,
) -> ActionRun:
    """Run action.yml's steps in order, as a runner would, until one fails.

    `given` stands in for steps not to run: their outputs, keyed by step id."""
    declared = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    assert set(inputs) <= set(declared), f"undeclared inputs: {set(inputs) - set(declared)}"
    given = given or {}
    context: dict[str, Any] = {
        "inputs": {**declared, **inputs},
        "github": {"action_path": str(action_path)},
        "steps": {step: {"outputs": outputs} for step, outputs in given.items()},
    }
    result = ActionRun()
    summary, path_file = folder / "step-summary.md", folder / "github-path"
    summary.touch()
    path_file.touch()
    for number, spec in enumerate(ACTION["runs"]["steps"]):
        if spec["id"] in given:
            continue
        assert spec["shell"] == "bash"
        script = folder / f"step-{number}.sh"
        script.write_text(spec["run"])
        output_file = folder / f"output-{number}"
        output_file.touch()
        step_env = {
            **env,
            "GITHUB_ACTIONS": "true",
            "GITHUB_ACTION_PATH": str(action_path),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_PATH": str(path_file),
            **{name: evaluate(str(v), context) for name, v in spec.get("env", {}).items()},
        }
        done = subprocess.run(
            [*BASH, str(script)],
            env=step_env,
            cwd=env["GITHUB_WORKSPACE"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        outputs = read_outputs(output_file)
        context["steps"][spec["id"]] = {"outputs": outputs}
        result.steps[spec["id"]] = Step(
            spec["id"], done.returncode, done.stdout, done.stderr, outputs
        )
        if done.returncode:
            break
    result.outputs = {  # a step's missing output reads as "", as on GitHub
        name: evaluate(spec["value"], context) for name, spec in ACTION["outputs"].items()
    }
    result.summary = summary.read_text()
    result.path = path_file.read_text().splitlines()
    return result


@pytest.fixture
def runner_env(tmp_path: Path) -> dict[str, str]:
    """A runner's environment: pipx (the test extra's) on PATH, its homes in tmp_path, no index."""
    house: Wheelhouse = wheelhouse()
    pipx = shutil.which("pipx", path=str(Path(sys.executable).parent)) or shutil.which("pipx")
    if pipx is None:
        pytest.fail("pipx is missing: ./scripts/test installs the test extra, which has it")
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (tmp_path / "home").mkdir()
    return {
        "PATH": f"{Path(pipx).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
        "GITHUB_WORKSPACE": str(workspace),
        "PIPX_HOME": str(tmp_path / "pipx"),
        "PIPX_BIN_DIR": str(tmp_path / "bin"),
        "PIPX_MAN_DIR": str(tmp_path / "man"),
        # The interpreter the wheelhouse was resolved for (Debian's python3 when there is one).
        "PIPX_DEFAULT_PYTHON": house.python,
        **house.pip_env(),
    }


def failing_store(workspace: Path) -> Path:
    """Redis on only in .env.production, at a loopback port nothing listens on."""
    store = workspace / "shop"
    write(store / "backend" / ".env.production", f"REDIS_URL=redis://127.0.0.1:{free_port()}\n")
    (store / "storefront").mkdir()
    return store


def doctor_has_require() -> bool:
    return "--require" in run("doctor", "--help", env={"COLUMNS": "200"}).stdout


def test_the_steps_take_inputs_through_env_only() -> None:
    """No `${{ }}` inside a script: an input holding `"; rm -rf ~` stays a string."""
    steps = ACTION["runs"]["steps"]
    assert [s["id"] for s in steps] == ["install", "doctor"]
    for spec in steps:
        assert "${{" not in spec["run"], spec["id"]
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {
        "project",
        "environment",
        "require",
        "strict",
        "junit",
        "version",
    }


def test_installs_its_checkout_and_annotates_a_failed_check(
    tmp_path: Path, runner_env: dict[str, str]
) -> None:
    workspace = Path(runner_env["GITHUB_WORKSPACE"])
    failing_store(workspace)
    junit = "reports/storectl/doctor.xml"  # relative to the workspace; folders made on the way
    done = run_action(
        {
            "project": "shop",
            "environment": "production",
            "strict": "true",
            "require": "redis",
            "junit": junit,
        },
        tmp_path,
        runner_env,
    )
    install, doctor = done.steps["install"], done.steps["doctor"]
    assert install.returncode == 0, install.stdout + install.stderr
    assert f"pipx install {REPO}\n" in install.stdout
    assert f"storectl {__version__}\n" in install.stdout
    assert install.outputs["storectl"] == f"{runner_env['PIPX_BIN_DIR']}/storectl"
    assert done.path == [runner_env["PIPX_BIN_DIR"]]

    assert doctor.returncode == 1, doctor.stdout + doctor.stderr
    assert doctor.outputs == {"junit": junit, "exit-code": "1"}
    assert "::error title=storectl redis connect [REDIS_URL]::CONNECT: 127.0.0.1:" in doctor.stdout
    # the queues on the same REDIS_URL cannot be read either (doctor's workers checks)
    assert "::error title=storectl workers queues [REDIS_URL]::CONNECT: 127.0.0.1:" in doctor.stdout
    assert re.search(r"\d+ checks, 2 failed", doctor.stdout) and "(--strict)" in doctor.stdout
    assert doctor_has_require()  # this storectl has --require: the action must see it
    assert "require is not enforced" not in doctor.stdout
    xml = (workspace / junit).read_text()
    assert '<testcase classname="storectl.redis" name="connect' in xml and "<failure" in xml
    assert done.summary.count("### storectl doctor") == 1  # the JUnit run adds no second table
    assert "| redis | connect" in done.summary


def test_installs_a_version_and_passes_a_healthy_store(
    tmp_path: Path, runner_env: dict[str, str]
) -> None:
    dist = tmp_path / "dist"  # stands in for PyPI: this checkout's wheel
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--no-build-isolation"]
        + ["--quiet", "-w", str(dist)],
        check=True,
        capture_output=True,
    )
    runner_env["PIP_FIND_LINKS"] += f" {dist}"
    shutil.copytree(REPO / "examples" / "store", Path(runner_env["GITHUB_WORKSPACE"]) / "store")
    empty = tmp_path / "not-a-checkout"  # the version input, not the action's folder, is installed
    empty.mkdir()
    done = run_action(
        {"project": "store", "version": f"v{__version__}"}, tmp_path, runner_env, action_path=empty
    )
    install, doctor = done.steps["install"], done.steps["doctor"]
    assert install.returncode == 0, install.stdout + install.stderr
    assert f"pipx install storectl=={__version__}\n" in install.stdout
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert done.outputs == {"exit-code": "0", "junit": ""}
    assert "::error" not in doctor.stdout and "::warning" not in doctor.stdout
    assert re.search(r"\d+ checks, 0 failed, 0 warnings, 0 errors, \d+ skipped", doctor.stdout)
    assert "### storectl doctor" in done.summary


@pytest.fixture
def installed() -> dict[str, dict[str, str]]:
    """The install step's output, standing in for it: this checkout's own storectl."""
    storectl = shutil.which("storectl", path=str(Path(sys.executable).parent))
    assert storectl, "storectl is not installed beside this python"
    return {"install": {"storectl": storectl}}


@pytest.mark.parametrize("strict", ["yes", "1", "true; echo injected"])
def test_a_strict_that_is_not_true_or_false_is_refused(
    tmp_path: Path,
    runner_env: dict[str, str],
    installed: dict[str, dict[str, str]],
    strict: str,
) -> None:
    done = run_action({"strict": strict}, tmp_path, runner_env, given=installed)
    doctor = done.steps["doctor"]
    assert doctor.returncode == 2
    assert "::error title=storectl action::strict must be true or false, not " in doctor.stdout
    assert "injected" not in doctor.stdout.splitlines()


def test_a_junit_path_that_cannot_be_written_fails_the_step(
    tmp_path: Path, runner_env: dict[str, str], installed: dict[str, dict[str, str]]
) -> None:
    shutil.copytree(REPO / "examples" / "store", Path(runner_env["GITHUB_WORKSPACE"]) / "store")
    blocker = Path(runner_env["GITHUB_WORKSPACE"]) / "reports"
    blocker.write_text("a file where the report's folder should be\n")
    done = run_action(
        {"project": "store", "junit": "reports/doctor.xml"}, tmp_path, runner_env, given=installed
    )
    doctor = done.steps["doctor"]
    assert doctor.returncode == 2, doctor.stdout + doctor.stderr
    assert "::error title=storectl action::no JUnit report written to reports/doctor.xml" in (
        doctor.stdout
    )
    assert doctor.outputs == {"exit-code": "2"}
