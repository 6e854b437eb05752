"""requirements.txt (the lock) and environment.yml list the same pins."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from analysis import paths


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirements(text: str) -> dict[str, str]:
    pins = {}
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith(("-", "--")):
            continue
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;]+)(\s*;.*)?", line)
        if not m:
            raise AssertionError(f"requirements.txt line {n}: {raw!r} is not pinned with ==")
        name = _norm(m.group(1))
        if name in pins:
            raise AssertionError(f"requirements.txt line {n}: {m.group(1)} pinned twice")
        pins[name] = m.group(3)
    return pins


def parse_environment(text: str) -> dict[str, str]:
    env = yaml.safe_load(text)
    pip = None
    for dep in env.get("dependencies", []):
        if isinstance(dep, dict) and "pip" in dep:
            pip = dep["pip"]
    if pip is None:
        raise AssertionError("environment.yml has no pip: section")
    return parse_requirements("\n".join(pip))


def disagreements(req: dict[str, str], env: dict[str, str]) -> list[str]:
    out = []
    for name in sorted(set(req) | set(env)):
        if name not in env:
            out.append(f"{name}=={req[name]} is in requirements.txt but not in environment.yml")
        elif name not in req:
            out.append(f"{name}=={env[name]} is in environment.yml but not in requirements.txt")
        elif req[name] != env[name]:
            out.append(f"{name}: requirements.txt pins {req[name]}, environment.yml pins {env[name]}")
    return out


def test_requirements_and_environment_agree():
    req = parse_requirements((paths.ROOT / "requirements.txt").read_text())
    env = parse_environment((paths.ROOT / "environment.yml").read_text())
    problems = disagreements(req, env)
    assert not problems, "the two pin lists disagree:\n" + "\n".join(problems)


def test_the_stack_is_pinned():
    req = parse_requirements((paths.ROOT / "requirements.txt").read_text())
    for pkg in (
        "jupyter-book",
        "papermill",
        "ipykernel",
        "huggingface-hub",
        "pandas",
        "pyarrow",
        "seaborn",
        "statsmodels",
        "scipy",
        "scikit-posthocs",
        "networkx",
        "rapidfuzz",
        "tqdm",
        "pytest",
        "selenium",
        "psutil",
    ):
        assert pkg in req, f"{pkg} is not pinned in requirements.txt"
    assert req["jupyter-book"].startswith("1."), "the book is built with Jupyter Book 1"


def test_environment_yml_names_python():
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text())
    assert any(isinstance(d, str) and d.startswith("python=") for d in env["dependencies"])


def test_checker_catches_disagreement(tmp_path: Path):
    req = parse_requirements("pandas==3.1.1\nnumpy==2.4.6\nFoo_Bar==1\n")
    env = parse_environment(
        yaml.safe_dump({"dependencies": ["python=3.11", {"pip": ["pandas==3.1.0", "foo-bar==1", "extra==2"]}]})
    )
    problems = disagreements(req, env)
    assert any("pandas" in p and "3.1.0" in p for p in problems)
    assert any(p.startswith("numpy") for p in problems)
    assert any(p.startswith("extra") for p in problems)
    assert not any(p.startswith("foo-bar") for p in problems)  # names are normalised
    try:
        parse_requirements("pandas>=3\n")
    except AssertionError as exc:
        assert "not pinned" in str(exc)
    else:
        raise AssertionError("an unpinned requirement was accepted")


def parse_pyproject(text: str) -> dict[str, str]:
    import tomllib

    project = tomllib.loads(text)["project"]
    deps = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        deps += extra
    return parse_requirements("\n".join(deps))


def test_pyproject_pins_are_the_lock_pins():
    """Every dependency that pyproject.toml declares is pinned exactly as in requirements.txt."""
    req = parse_requirements((paths.ROOT / "requirements.txt").read_text())
    declared = parse_pyproject((paths.ROOT / "pyproject.toml").read_text())
    assert declared, "pyproject.toml declares no dependencies"
    problems = [
        f"{name}: pyproject.toml pins {pin}, requirements.txt " + (f"pins {req[name]}" if name in req else "has none")
        for name, pin in sorted(declared.items())
        if req.get(name) != pin
    ]
    assert not problems, "pyproject.toml and the lock disagree:\n" + "\n".join(problems)


def test_a_pin_that_differs_is_reported():
    req = parse_requirements("numpy==2.4.6\npandas==3.1.1\n")
    declared = parse_pyproject('[project]\ndependencies = ["numpy==2.4.5"]\n')
    assert declared == {"numpy": "2.4.5"} and req["numpy"] != declared["numpy"]
