"""The book's notebook parameters: read, resolved per notebook and checked before any notebook runs.

- ``book/params.yml``: a ``global`` section (given to every notebook whose parameters cell declares
  the name) and one section per notebook (:func:`load_params`);
- ``-p name=value`` / ``-p notebook.name=value`` on the command line (:func:`parse_overrides`);
- ``book/params.types.yml``: the type and range of every parameter, declared once
  (:func:`load_types`); every value is checked against it (:func:`check_parameters`,
  :func:`check_value`) and nothing that looks like a secret is accepted (:func:`check_no_secrets`).

The build sets :data:`BUILD_PARAMETERS` itself (the snapshot's folder, the output folder, the page's
name, the code's commit, the snapshot's verified token): they are never in ``params.yml`` or ``-p``;
``params.types.yml`` declares them with ``set_by: build``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from analysis import paths
from analysis.publication.builderror import BuildError

#: Parameters the build sets itself for each notebook that declares them (the first two every
#: notebook must declare); :func:`analysis.publication.context.open_part` reads them.
BUILD_PARAMETERS = ("snapshot_dir", "output_dir", "page", "code_commit", "snapshot_verified")
#: Parameters every notebook's parameters cell declares.
REQUIRED = ("snapshot_dir", "output_dir")
#: Names that must never be notebook parameters.
SECRET_NAME_RE = re.compile(r"(token|secret|passw|api[_-]?key|credential|private[_-]?key|auth|cookie)", re.I)
#: Values that look like access tokens or keys.
SECRET_VALUE_RE = re.compile(
    r"(^(hf_|api_org_|ghp_|gho_|ghs_|github_pat_|sk-|xox[abposr]-|AKIA|ASIA)[A-Za-z0-9_\-]{12,}$)"
    r"|(^bearer\s)|(-----BEGIN [A-Z ]*PRIVATE KEY-----)",
    re.I,
)
_SECRET_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACE_TOKEN", "GITHUB_TOKEN")

TYPES_FILE = "params.types.yml"
_TYPES = ("str", "date", "int", "float", "bool", "list[str]")
_FIELDS = {"type", "min", "max", "gt", "lt", "choices", "doc", "set_by"}
#: A date parameter's bound that stands for the date of the snapshot being built.
SNAPSHOT_DATE = "snapshot_date"


# --------------------------------------------------------------------------- #
# secrets and plain literals
# --------------------------------------------------------------------------- #


def _looks_secret(name: str, value: Any) -> str | None:
    if SECRET_NAME_RE.search(name):
        return f"parameter {name!r}: its name looks like a secret"
    values = value if isinstance(value, (list, tuple)) else [value]
    for v in values:
        if isinstance(v, str):
            if SECRET_VALUE_RE.search(v.strip()):
                return f"parameter {name!r}: its value looks like an access token or key"
            for env in _SECRET_ENV:
                secret = os.environ.get(env)
                if secret and len(secret) >= 8 and secret in v:
                    return f"parameter {name!r}: its value contains the secret from ${env}"
    return None


def check_no_secrets(params: Mapping[str, Any], where: str) -> None:
    for name, value in params.items():
        problem = _looks_secret(str(name), value)
        if problem:
            raise BuildError(
                f"{where}: {problem}; secrets are never notebook parameters "
                "(the collector reads HF_TOKEN from the environment)"
            )


def _check_literal(name: str, value: Any, where: str) -> None:
    ok = (str, int, float, bool, type(None))
    if isinstance(value, ok) or (isinstance(value, list) and all(isinstance(v, ok) for v in value)):
        return
    raise BuildError(
        f"{where}: parameter {name!r} must be a plain literal (string, number, "
        f"boolean, null or a list of them), got {type(value).__name__}"
    )


def _as_literal(value: Any, raw: str | None = None) -> Any:
    """YAML's dates and timestamps as the text that was written (``2023-10-31`` stays a string)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return raw.strip() if raw is not None else value.isoformat()
    if isinstance(value, list):
        return [_as_literal(v) for v in value]
    return value


# --------------------------------------------------------------------------- #
# book/params.yml and -p
# --------------------------------------------------------------------------- #


def load_params(path: Path = paths.BOOK_PARAMS) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``(global, per_notebook)`` from the YAML parameter file (missing file: empty)."""
    if not path.exists():
        return {}, {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise BuildError(f"{path.name}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or set(data) - {"global", "notebooks"}:
        raise BuildError(f"{path.name}: expected the keys 'global' and 'notebooks' only")
    glob = {k: _as_literal(v) for k, v in (data.get("global") or {}).items()}
    per = {str(k): {n: _as_literal(x) for n, x in (v or {}).items()} for k, v in (data.get("notebooks") or {}).items()}
    for where, params in [(f"{path.name} global", glob)] + [(f"{path.name} notebooks.{k}", v) for k, v in per.items()]:
        check_no_secrets(params, where)
        for name, value in params.items():
            _check_literal(name, value, where)
            if name in BUILD_PARAMETERS:
                raise BuildError(f"{where}: {name!r} is set by the build itself, not in the parameter file")
    return glob, per


def parse_overrides(items: Iterable[str]) -> dict[str, Any]:
    """``["top_n=10", "part1_activity.top_n=5"]`` -> ``{"top_n": 10, "part1_activity.top_n": 5}``."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise BuildError(f"-p {item!r}: expected name=value or notebook.name=value")
        name, raw = item.split("=", 1)
        name = name.strip()
        if not re.fullmatch(r"([A-Za-z0-9_\-]+\.)?[A-Za-z_][A-Za-z0-9_]*", name):
            raise BuildError(f"-p {item!r}: {name!r} is not a parameter name")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        out[name] = _as_literal(value, raw)
    return out


def as_overrides(params_overrides: Mapping[str, Any] | Iterable[str] | None) -> dict[str, Any]:
    """``{"name": value}`` from a mapping, from ``["name=value", ...]`` or from nothing; no secrets."""
    if params_overrides is None:
        overrides: dict[str, Any] = {}
    elif isinstance(params_overrides, Mapping):
        overrides = dict(params_overrides)
    else:
        overrides = parse_overrides(params_overrides)
    check_no_secrets(overrides, "command line")
    return overrides


# --------------------------------------------------------------------------- #
# which notebook gets which value
# --------------------------------------------------------------------------- #


def declared_parameters(source: Path, notebooks: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``{notebook: {name: default}}``: the parameters each notebook's ``parameters`` cell declares,
    besides those the build sets; a notebook that does not declare :data:`REQUIRED` is refused."""
    import papermill as pm

    declared = {}
    for nb in notebooks:
        info = pm.inspect_notebook(str(source / "book" / f"{nb}.ipynb"))
        declared[nb] = {k: v for k, v in info.items() if k not in BUILD_PARAMETERS}
        for r in REQUIRED:
            if r not in info:
                raise BuildError(f"book/{nb}.ipynb: its parameters cell does not declare {r!r}")
    return declared


def _check_overrides(overrides: Mapping[str, Any]) -> None:
    check_no_secrets(overrides, "command line")
    for name, value in overrides.items():
        _check_literal(name, value, "command line")
        if name.split(".")[-1] in BUILD_PARAMETERS:
            raise BuildError(f"command line: {name!r} is set by the build itself")


def _from_files(
    nb: str, have: Mapping[str, Any], glob: Mapping[str, Any], per: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """``nb``'s values from ``params.yml``: the global ones it declares, then its own section's."""
    params = {k: v for k, v in glob.items() if k in have}
    for k, v in per.get(nb, {}).items():
        if k not in have:
            raise BuildError(
                f"params.yml: notebook {nb!r} has no parameter {k!r} "
                f"(its parameters cell declares: {', '.join(have) or 'nothing'})"
            )
        params[k] = v
    return params


def _override_targets(name: str, notebooks: list[str], declared: Mapping[str, Mapping[str, Any]]) -> list[tuple]:
    """``[(notebook, parameter)]`` an override ``name`` (``name`` or ``nb.name``) sets."""
    if "." in name:
        nb, key = name.split(".", 1)
        if nb not in declared:
            raise BuildError(f"-p {name}: no notebook {nb!r} in this build ({', '.join(declared)})")
        if key not in declared[nb]:
            raise BuildError(f"-p {name}: notebook {nb!r} has no parameter {key!r}")
        return [(nb, key)] if nb in notebooks else []
    targets = [(nb, name) for nb in notebooks if name in declared[nb]]
    if not targets:
        raise BuildError(f"-p {name}: no notebook of this build declares a parameter {name!r}")
    return targets


def resolve_parameters(
    notebooks: list[str],
    declared: Mapping[str, Mapping[str, Any]],
    glob: Mapping[str, Any],
    per: Mapping[str, Mapping[str, Any]],
    overrides: Mapping[str, Any],
) -> dict[str, dict[str, Any]]:
    """The parameters (besides those the build sets) each notebook gets.

    Global values go to every notebook that declares the name; per-notebook
    values must be declared by that notebook; overrides ``name=value`` apply to
    every notebook declaring ``name`` (at least one must), ``nb.name=value`` to
    one notebook.
    """
    _check_overrides(overrides)
    for nb in per:
        if nb not in declared:
            known = ", ".join(declared) or "none"
            raise BuildError(f"params.yml: notebook section {nb!r} names no notebook of this build ({known})")
    result = {nb: _from_files(nb, declared[nb], glob, per) for nb in notebooks}
    for name, value in overrides.items():
        for nb, key in _override_targets(name, notebooks, declared):
            result[nb][key] = value
    return result


# --------------------------------------------------------------------------- #
# declared types and ranges (book/params.types.yml)
# --------------------------------------------------------------------------- #


def load_types(path: Path) -> dict[str, dict[str, Any]]:
    """``{name or notebook.name: {type, min, max, gt, lt, choices, doc, set_by}}`` from
    ``book/params.types.yml``."""
    if not path.exists():
        raise BuildError(f"{path.name}: missing; it declares the type and range of every book parameter")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise BuildError(f"{path.name}: not valid YAML ({str(exc).splitlines()[0]})") from None
    out = {}
    for name, spec in data.items():
        if not isinstance(spec, dict) or spec.get("type") not in _TYPES:
            raise BuildError(f"{path.name}: {name!r} needs a type, one of {', '.join(_TYPES)}")
        unknown = set(spec) - _FIELDS
        if unknown:
            raise BuildError(f"{path.name}: {name!r} has unknown field(s) {', '.join(sorted(unknown))}")
        if "set_by" in spec and (spec["set_by"] != "build" or name not in BUILD_PARAMETERS):
            raise BuildError(f"{path.name}: {name!r}: only {', '.join(BUILD_PARAMETERS)} are set_by: build")
        if spec["type"] == "date":
            spec = {k: _as_literal(v) for k, v in spec.items()}
            for bound in ("min", "max"):
                if bound in spec and spec[bound] != SNAPSHOT_DATE and not _is_date(spec[bound]):
                    raise BuildError(f"{path.name}: {name!r}'s {bound} is neither a date nor {SNAPSHOT_DATE}")
        out[str(name)] = spec
    return out


def declarations_of(types: Mapping[str, Mapping[str, Any]], nb: str) -> list[str]:
    """The names of the parameters a reader may set that ``types`` declares for notebook ``nb``
    (its own, ``nb.name``, and the global ones, ``name``; not those the build sets), in file order."""
    names = []
    for key, spec in types.items():
        if spec.get("set_by") == "build":
            continue
        if key.startswith(f"{nb}."):
            names.append(key.split(".", 1)[1])
        elif "." not in key:
            names.append(key)
    return list(dict.fromkeys(names))


def _is_date(value: Any) -> bool:
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)))


def _declaration(types: Mapping[str, Mapping[str, Any]], nb: str, name: str) -> Mapping[str, Any] | None:
    return types.get(f"{nb}.{name}") or types.get(name)


class _Value:
    """A value being checked against its declaration; :meth:`fail` is the error naming both."""

    def __init__(self, name: str, value: Any, spec: Mapping[str, Any], snapshot_date: str | None) -> None:
        self.name, self.value, self.spec, self.snapshot_date = name, value, spec, snapshot_date

    def fail(self, why: str) -> BuildError:
        return BuildError(f"parameter {self.name!r}: {self.value!r} {why}")


def _date_bounds(v: _Value, value: str) -> None:
    """A date's ``min``/``max``: a date or ``snapshot_date`` (the date of the snapshot being built)."""
    for bound, word in (("min", "before"), ("max", "after")):
        limit = v.spec.get(bound)
        shown = f"the snapshot's date {v.snapshot_date}" if limit == SNAPSHOT_DATE else limit
        limit = v.snapshot_date if limit == SNAPSHOT_DATE else limit
        if limit is None:
            continue
        day, lim = dt.date.fromisoformat(value), dt.date.fromisoformat(str(limit))
        if (day < lim) if bound == "min" else (day > lim):
            raise v.fail(f"is {word} {shown}, its {'earliest' if bound == 'min' else 'latest'} allowed value")


def _check_text(v: _Value) -> str:
    """A ``str`` or ``date`` (a number written for a string is taken as its text)."""
    if isinstance(v.value, bool) or not isinstance(v.value, (str, int, float)):
        raise v.fail("is not a string")
    value = v.value = str(v.value)
    if v.spec["type"] == "date":
        if not _is_date(value):
            raise v.fail("is not a date (YYYY-MM-DD)")
        _date_bounds(v, value)
    if "choices" in v.spec and value not in v.spec["choices"]:
        raise v.fail(f"is not one of {', '.join(map(str, v.spec['choices']))}")
    return value


def _check_bool(v: _Value) -> bool:
    if not isinstance(v.value, bool):
        raise v.fail("is not true or false")
    return v.value


def _check_list(v: _Value) -> list[str]:
    if not isinstance(v.value, list) or not all(isinstance(x, str) for x in v.value):
        raise v.fail("is not a list of strings")
    return v.value


def _check_number(v: _Value) -> int | float:
    """An ``int`` or ``float`` within its ``min``/``max`` (inclusive) and ``gt``/``lt`` (exclusive)."""
    t, spec = v.spec["type"], v.spec
    if isinstance(v.value, bool) or not isinstance(v.value, (int, float)):
        raise v.fail(f"is not a number ({t})")
    if t == "int" and isinstance(v.value, float) and not v.value.is_integer():
        raise v.fail("is not a whole number")
    value = v.value = int(v.value) if t == "int" else float(v.value)
    if "min" in spec and value < spec["min"]:
        raise v.fail(f"is below its minimum {spec['min']}")
    if "max" in spec and value > spec["max"]:
        raise v.fail(f"is above its maximum {spec['max']}")
    if "gt" in spec and not value > spec["gt"]:
        raise v.fail(f"must be greater than {spec['gt']}")
    if "lt" in spec and not value < spec["lt"]:
        raise v.fail(f"must be less than {spec['lt']}")
    return value


#: The checker of each declared type.
_CHECKERS: dict[str, Callable[[_Value], Any]] = {
    "str": _check_text,
    "date": _check_text,
    "bool": _check_bool,
    "list[str]": _check_list,
    "int": _check_number,
    "float": _check_number,
}


def check_value(name: str, value: Any, spec: Mapping[str, Any], snapshot_date: str | None = None) -> Any:
    """``value`` checked against its declaration (and, for str/date, a YAML date taken as text); else BuildError.
    A date's ``min``/``max`` is a date or ``snapshot_date`` (the snapshot's own date: an as-of date
    after it would count repositories the snapshot cannot have)."""
    return _CHECKERS[spec["type"]](_Value(name, _as_literal(value), spec, snapshot_date))


def check_parameters(
    params: Mapping[str, Mapping[str, Any]],
    declared: Mapping[str, Mapping[str, Any]],
    types: Mapping[str, Mapping[str, Any]],
    snapshot_date: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Every parameter of every notebook checked against ``params.types.yml`` (values normalised)."""
    out: dict[str, dict[str, Any]] = {}
    for nb, have in declared.items():
        for name in have:
            if _declaration(types, nb, name) is None:
                raise BuildError(f"{TYPES_FILE}: book/{nb}.ipynb's parameter {name!r} is not declared")
    for nb, ps in params.items():
        out[nb] = {}
        for name, value in ps.items():
            spec = _declaration(types, nb, name)
            if spec is None:
                raise BuildError(f"{TYPES_FILE}: parameter {nb}.{name} is not declared")
            shown = name if spec is types.get(name) else f"{nb}.{name}"
            out[nb][name] = check_value(shown, value, spec, snapshot_date)
    return out
