"""``python -m analysis build SNAPSHOT_DIR``: one pipeline from a snapshot to a book.

1. Validate the snapshot (:func:`analysis.snapshot.open_snapshot`).
2. ``out = paths.build_dir(snapshot_id)``: each snapshot gets its own build
   folder, so builds of different snapshots never overwrite each other; the
   templates in ``book/`` are only read. The build writes into a staging folder
   beside ``out`` and puts it in place of ``out`` only when it is complete; it
   refuses an ``out`` that is, contains or is inside the repository's folders,
   and one holding anything a build did not write
   (:mod:`analysis.publication.buildfolder`). It holds ``out``'s folder lock
   (:class:`analysis.snapshot.lock.FolderLock`, as import, collect and synth do).
3. Copy the book's sources (``_config.yml``, ``_toc.yml``, ``book/*.md``,
   ``book/references.bib``) into ``out``.
4. Execute every notebook of the table of contents with papermill, with the
   parameters of ``book/params.yml`` (a ``global`` section, given to every
   notebook that declares the parameter, and one section per notebook),
   overridden by ``-p name=value`` / ``-p notebook.name=value`` on the command
   line, plus ``snapshot_dir`` and ``output_dir``. Nothing that looks like a
   secret is accepted as a parameter. The executed copies go to
   ``out/book/<name>.ipynb`` (tables land in ``out/tables``, figures in
   ``out/figures``); papermill's ``injected-parameters`` cell and the
   ``parameters`` cell are tagged ``remove-cell`` so they do not show.
5. ``jupyter-book build out -n -W --keep-going`` (notebooks are not executed
   again): the self-contained site is ``out/_build/html`` (tables and
   figures are also copied to ``out/_build/html/tables`` and ``figures``).

A failing notebook stops the build with one line naming the notebook and the
cell; the executed copy (with the traceback in it) is kept in the staging folder,
and the published folder keeps the last complete build. Any failure is one line
naming its cause (a full disk says "no space left on device"). Each child (a
notebook's kernel, jupyter-book) runs in its own process group and dies with the
build: ended on failure, SIGINT and SIGTERM, and killed by the operating system
(``PR_SET_PDEATHSIG``) and a reaper process if the build itself is killed. A date
parameter may be bounded by ``snapshot_date`` (``paper_date`` is: an as-of date
after the snapshot is refused before any notebook runs). The summary prints the
time per notebook, the total and the peak memory.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis import paths
from analysis.cli import OneLineParser
from analysis.memory import PeakMemory
from analysis.publication import buildfolder
from analysis.publication.bundle import write_bundle
from analysis.publication.publish import PAGE_ENV
from analysis.snapshot import SnapshotError, open_snapshot
from analysis.snapshot.lock import FolderLock
from analysis.snapshot.store import COMMIT_ENV, VERIFIED_ENV, git_commit, open_validated, verified_token

#: Parameters the pipeline always sets itself.
RESERVED = ("snapshot_dir", "output_dir")
#: Names that must never be notebook parameters.
SECRET_NAME_RE = re.compile(r"(token|secret|passw|api[_-]?key|credential|private[_-]?key|auth|cookie)", re.I)
#: Values that look like access tokens or keys.
SECRET_VALUE_RE = re.compile(
    r"(^(hf_|api_org_|ghp_|gho_|ghs_|github_pat_|sk-|xox[abposr]-|AKIA|ASIA)[A-Za-z0-9_\-]{12,}$)"
    r"|(^bearer\s)|(-----BEGIN [A-Z ]*PRIVATE KEY-----)",
    re.I,
)
_SECRET_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACE_TOKEN", "GITHUB_TOKEN")
CELL_TIMEOUT = 1800  # seconds per cell


class BuildError(Exception):
    """The build cannot go on; the message is meant for the user as is."""


# --------------------------------------------------------------------------- #
# the table of contents
# --------------------------------------------------------------------------- #


def _page(entry: str) -> str:
    """A toc entry without its suffix (``book/index.ipynb`` -> ``book/index``)."""
    return re.sub(r"\.(ipynb|md)$", "", entry)


def _toc_files(node: Any) -> list[str]:
    out: list[str] = []
    if isinstance(node, dict):
        if "root" in node:
            out.append(str(node["root"]))
        if "file" in node:
            out.append(str(node["file"]))
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key, []) or []:
                out += _toc_files(child)
    elif isinstance(node, list):
        for child in node:
            out += _toc_files(child)
    return out


def toc_entries(source: Path = paths.ROOT) -> list[str]:
    """Every page of the table of contents, in order, as paths without suffix (``book/index``)."""
    toc = yaml.safe_load((source / "_toc.yml").read_text(encoding="utf-8"))
    return [_page(f) for f in _toc_files(toc)]


def toc_notebooks(source: Path = paths.ROOT) -> list[str]:
    """Notebook names (``index``, ``snapshot``, ...) of the toc, in order."""
    names = []
    for entry in toc_entries(source):
        if (source / f"{entry}.ipynb").exists():
            names.append(Path(entry).name)
    return names


def _filter_toc(node: Any, keep: Callable[[str], bool]) -> Any:
    """The toc without pages for which ``keep`` is false (empty parts dropped)."""
    if isinstance(node, list):
        items = [_filter_toc(c, keep) for c in node]
        return [c for c in items if c is not None]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if "file" in node and not keep(_page(str(node["file"]))):
        return None
    for key in ("parts", "chapters", "sections"):
        if key in node:
            node[key] = _filter_toc(node[key], keep)
            if not node[key]:
                del node[key]
    if "file" not in node and "root" not in node and not any(k in node for k in ("parts", "chapters", "sections")):
        return None
    return node


# --------------------------------------------------------------------------- #
# parameters
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
            if name in RESERVED:
                raise BuildError(f"{where}: {name!r} is set by the build itself, not in the parameter file")
    return glob, per


def _as_literal(value: Any, raw: str | None = None) -> Any:
    """YAML's dates and timestamps as the text that was written (``2023-10-31`` stays a string)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return raw.strip() if raw is not None else value.isoformat()
    if isinstance(value, list):
        return [_as_literal(v) for v in value]
    return value


# --------------------------------------------------------------------------- #
# declared types and ranges (book/params.types.yml)
# --------------------------------------------------------------------------- #

TYPES_FILE = "params.types.yml"
_TYPES = ("str", "date", "int", "float", "bool", "list[str]")


def load_types(path: Path) -> dict[str, dict[str, Any]]:
    """``{name or notebook.name: {type, min, max, gt, lt, doc}}`` from ``book/params.types.yml``."""
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
        unknown = set(spec) - {"type", "min", "max", "gt", "lt", "choices", "doc"}
        if unknown:
            raise BuildError(f"{path.name}: {name!r} has unknown field(s) {', '.join(sorted(unknown))}")
        if spec["type"] == "date":
            spec = {k: _as_literal(v) for k, v in spec.items()}
            for bound in ("min", "max"):
                if bound in spec and spec[bound] != SNAPSHOT_DATE and not _is_date(spec[bound]):
                    raise BuildError(f"{path.name}: {name!r}'s {bound} is neither a date nor {SNAPSHOT_DATE}")
        out[str(name)] = spec
    return out


#: A date parameter's bound that stands for the date of the snapshot being built.
SNAPSHOT_DATE = "snapshot_date"


def _is_date(value: Any) -> bool:
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)))


def _declaration(types: Mapping[str, Mapping[str, Any]], nb: str, name: str) -> Mapping[str, Any] | None:
    return types.get(f"{nb}.{name}") or types.get(name)


def check_value(name: str, value: Any, spec: Mapping[str, Any], snapshot_date: str | None = None) -> Any:
    """``value`` checked against its declaration (and, for str/date, a YAML date taken as text); else BuildError.
    A date's ``min``/``max`` is a date or ``snapshot_date`` (the snapshot's own date: an as-of date
    after it would count repositories the snapshot cannot have)."""
    t = spec["type"]
    value = _as_literal(value)

    def fail(why: str) -> BuildError:
        return BuildError(f"parameter {name!r}: {value!r} {why}")

    if t in ("str", "date"):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise fail("is not a string")
        value = str(value)
        if t == "date":
            if not _is_date(value):
                raise fail("is not a date (YYYY-MM-DD)")
            for bound, word in (("min", "before"), ("max", "after")):
                limit = spec.get(bound)
                shown = f"the snapshot's date {snapshot_date}" if limit == SNAPSHOT_DATE else limit
                limit = snapshot_date if limit == SNAPSHOT_DATE else limit
                if limit is None:
                    continue
                day, lim = dt.date.fromisoformat(value), dt.date.fromisoformat(str(limit))
                if (day < lim) if bound == "min" else (day > lim):
                    raise fail(f"is {word} {shown}, its {'earliest' if bound == 'min' else 'latest'} allowed value")
        if "choices" in spec and value not in spec["choices"]:
            raise fail(f"is not one of {', '.join(map(str, spec['choices']))}")
        return value
    if t == "bool":
        if not isinstance(value, bool):
            raise fail("is not true or false")
        return value
    if t == "list[str]":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail("is not a list of strings")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(f"is not a number ({t})")
    if t == "int":
        if isinstance(value, float) and not value.is_integer():
            raise fail("is not a whole number")
        value = int(value)
    else:
        value = float(value)
    if "min" in spec and value < spec["min"]:
        raise fail(f"is below its minimum {spec['min']}")
    if "max" in spec and value > spec["max"]:
        raise fail(f"is above its maximum {spec['max']}")
    if "gt" in spec and not value > spec["gt"]:
        raise fail(f"must be greater than {spec['gt']}")
    if "lt" in spec and not value < spec["lt"]:
        raise fail(f"must be less than {spec['lt']}")
    return value


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


def resolve_parameters(
    notebooks: list[str],
    declared: Mapping[str, Mapping[str, Any]],
    glob: Mapping[str, Any],
    per: Mapping[str, Mapping[str, Any]],
    overrides: Mapping[str, Any],
) -> dict[str, dict[str, Any]]:
    """The parameters (besides snapshot_dir/output_dir) each notebook gets.

    Global values go to every notebook that declares the name; per-notebook
    values must be declared by that notebook; overrides ``name=value`` apply to
    every notebook declaring ``name`` (at least one must), ``nb.name=value`` to
    one notebook.
    """
    check_no_secrets(overrides, "command line")
    for name, value in overrides.items():
        _check_literal(name, value, "command line")
        if name.split(".")[-1] in RESERVED:
            raise BuildError(f"command line: {name!r} is set by the build itself")
    for nb in per:
        if nb not in declared:
            known = ", ".join(declared) or "none"
            raise BuildError(f"params.yml: notebook section {nb!r} names no notebook of this build ({known})")
    result: dict[str, dict[str, Any]] = {}
    for nb in notebooks:
        have = declared[nb]
        params = {k: v for k, v in glob.items() if k in have}
        for k, v in per.get(nb, {}).items():
            if k not in have:
                raise BuildError(
                    f"params.yml: notebook {nb!r} has no parameter {k!r} "
                    f"(its parameters cell declares: {', '.join(have) or 'nothing'})"
                )
            params[k] = v
        result[nb] = params
    for name, value in overrides.items():
        if "." in name:
            nb, key = name.split(".", 1)
            if nb not in declared:
                raise BuildError(f"-p {name}: no notebook {nb!r} in this build ({', '.join(declared)})")
            if key not in declared[nb]:
                raise BuildError(f"-p {name}: notebook {nb!r} has no parameter {key!r}")
            if nb in result:
                result[nb][key] = value
        else:
            targets = [nb for nb in notebooks if name in declared[nb]]
            if not targets:
                raise BuildError(f"-p {name}: no notebook of this build declares a parameter {name!r}")
            for nb in targets:
                result[nb][name] = value
    return result


# --------------------------------------------------------------------------- #
# child processes die with the build
# --------------------------------------------------------------------------- #


class BuildTerminated(KeyboardInterrupt):
    """The build was sent SIGTERM: it stops as if interrupted (its children are ended)."""


#: The reaper: a small process that, when the build ends however it ends (its pipe closes, also on
#: ``kill -9``), kills the process groups the build still had running.
_REAPER = """
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
groups = set()
for line in sys.stdin:
    sign, group = line[:1], int(line[1:])
    (groups.add if sign == "+" else groups.discard)(group)
for group in groups:
    try:
        os.killpg(group, signal.SIGKILL)
    except OSError:
        pass
"""


def _die_with_parent_fn() -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the child killed when the build's thread that started it ends
    (Linux's ``PR_SET_PDEATHSIG``); None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import signal

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:  # runs in the child, between fork and exec
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the build ended before the line above
            os._exit(1)

    return preexec


class _Children:
    """The process groups of the build's children (each notebook's kernel, jupyter-book): each runs
    in its own group, is ended with its group when its step ends or the build is interrupted or
    terminated, and is killed by the kernel (``PR_SET_PDEATHSIG``) and by :data:`_REAPER` if the
    build itself is killed."""

    def __init__(self) -> None:
        self.groups: set[int] = set()
        self._reaper: subprocess.Popen | None = None

    def _tell(self, line: str) -> None:
        try:
            if self._reaper is None or self._reaper.poll() is not None:
                self._reaper = subprocess.Popen(
                    [sys.executable, "-c", _REAPER], stdin=subprocess.PIPE, start_new_session=True
                )
            assert self._reaper.stdin is not None
            self._reaper.stdin.write(line.encode() + b"\n")
            self._reaper.stdin.flush()
        except OSError:
            pass  # the kernel's PR_SET_PDEATHSIG still ends the direct child

    def add(self, group: int) -> None:
        self.groups.add(group)
        self._tell(f"+{group}")

    def end(self, group: int) -> None:
        """Kill what is left of a group (nothing, after a step that ended normally)."""
        import signal

        try:
            os.killpg(group, signal.SIGKILL)
        except OSError:
            pass
        if group in self.groups:
            self.groups.discard(group)
            self._tell(f"-{group}")

    def end_all(self) -> None:
        for group in list(self.groups):
            self.end(group)

    def close(self) -> None:
        self.end_all()
        if self._reaper is not None:
            try:
                assert self._reaper.stdin is not None
                self._reaper.stdin.close()
                self._reaper.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self._reaper.kill()
            self._reaper = None


_children = _Children()


def _kernel_manager_class() -> type:
    """nbclient's kernel manager, with each kernel (in its own session, as jupyter_client starts it)
    registered as a child of the build and set to die with it."""
    from jupyter_client.manager import AsyncKernelManager

    class BuildKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            preexec = _die_with_parent_fn()
            if preexec is not None:
                kw["preexec_fn"] = preexec
            await super()._async_launch_kernel(kernel_cmd, **kw)
            process = getattr(self.provisioner, "process", None)
            if process is not None:
                _children.add(process.pid)  # a new session: its group id is its pid

    return BuildKernelManager


def _signals_end_the_build():
    """While the build runs (in the main thread), SIGINT and SIGTERM end its children at once (their
    process groups) and raise KeyboardInterrupt (:class:`BuildTerminated` for SIGTERM), so that the
    build stops without waiting for a kernel's shutdown and leaves its staging folder marked
    incomplete; returns the undo."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def stop(signum, frame):
        _children.end_all()
        raise BuildTerminated("terminated") if signum == signal.SIGTERM else KeyboardInterrupt

    old = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:  # a background job ignoring SIGINT keeps doing so
            old[signum] = signal.signal(signum, stop)

    def undo() -> None:
        for signum, handler in old.items():
            signal.signal(signum, handler)

    return undo


# --------------------------------------------------------------------------- #
# the build
# --------------------------------------------------------------------------- #


@dataclass
class BuildResult:
    snapshot_id: str
    out: Path
    html: Path | None
    timings: dict[str, float] = field(default_factory=dict)
    total: float = 0.0
    peak_rss: int = 0
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [f"build summary for snapshot {self.snapshot_id}:"]
        for step, secs in self.timings.items():
            lines.append(f"  {step:<28} {secs:8.1f} s")
        lines.append(f"  {'total':<28} {self.total:8.1f} s")
        lines.append(f"  {'peak memory (all processes)':<28} {self.peak_rss / 2**30:8.2f} GB")
        lines.append(f"  executed notebooks, tables, figures: {_show(self.out)}")
        if self.html:
            lines.append(f"  site (self-contained folder): {_show(self.html)}/index.html")
        return "\n".join(lines)


def _show(p: Path) -> str:
    try:
        return str(Path(p).resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(p)


def _tag_hidden_cells(nb_path: Path) -> None:
    """Hide the parameter cells, and show readers no code toggles: a cell whose input the template
    hides (``hide-input``) has its input removed from the page (each page links its notebooks)."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if ("injected-parameters" in tags or "parameters" in tags) and "remove-cell" not in tags:
            tags.append("remove-cell")
        if "hide-input" in tags:
            tags[tags.index("hide-input")] = "remove-input"
    nbformat.write(nb, nb_path)


def footer_html(commit: str | None, repository: str) -> str:
    """The footer of every page: the citation file, the edition's data bundle, the source."""
    from analysis.publication.bundle import BUNDLE_NAME

    source = (f'<a href="{repository}">source repository</a>' if repository else "source: the project's repository") + (
        f" at commit <code>{commit[:12]}</code>" if commit else ""
    )
    return (
        '<p class="hfhub-footer"><a href="../CITATION.cff">CITATION.cff</a> · '
        f'<a href="../{BUNDLE_NAME}">data bundle of this edition (tables, figures, findings, manifest, codebook)</a>'
        f" · {source}</p>"
    )


#: What a full disk says, wherever it is met (a kernel, papermill, jupyter-book, the build itself).
NO_SPACE = "no space left on device"


def _no_space(text: str) -> bool:
    return NO_SPACE in text.lower() or f"[errno {errno.ENOSPC}]" in text.lower()


def _failure_message(nb_name: str, out_nb: Path, exc: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    if _no_space(f"{getattr(exc, 'evalue', '')} {exc}"):
        return (
            f"{NO_SPACE} while executing book/{nb_name}.ipynb; the build stopped and the published book is "
            f"unchanged; free some space, then rerun (what was executed is in {_show(out_nb.parent.parent)})"
        )
    if isinstance(exc, PapermillExecutionError):
        first = (exc.source or "").strip().splitlines()
        code = first[0][:80] if first else ""
        index = exc.cell_index
        try:  # papermill counts its injected cell; name the cell as it is in the template
            import nbformat

            cells = nbformat.read(out_nb, as_version=4).cells[: exc.cell_index]
            index -= sum("injected-parameters" in c.metadata.get("tags", []) for c in cells)
        except Exception:
            pass
        where = f"cell {index} (counting from 0)" + (f", execution count [{exc.exec_count}]" if exc.exec_count else "")
        what = f"{exc.ename}: {str(exc.evalue).strip().splitlines()[0] if str(exc.evalue).strip() else ''}"
        return (
            f"notebook book/{nb_name}.ipynb failed in {where}, which starts with `{code}`: {what}. "
            f"The build stopped; the executed copy with the full traceback is kept at "
            f"{_show(out_nb)} (open it, or rerun just this notebook with --only {nb_name})."
        )
    text = str(exc).strip().splitlines()
    return (
        f"notebook book/{nb_name}.ipynb could not be executed: {type(exc).__name__}: "
        f"{text[0] if text else ''}. The build stopped; whatever was executed is kept at {_show(out_nb)}."
    )


def _copy_sources(source: Path, out: Path, toc: Any, keep: Callable[[str], bool]) -> None:
    (out / "book").mkdir(parents=True, exist_ok=True)
    from analysis.publication.publish import citation_metadata
    from analysis.publication.site import launch_settings
    from analysis.snapshot.store import git_commit

    config = yaml.safe_load((source / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("html", {})["extra_footer"] = footer_html(git_commit(), citation_metadata()["repository"])
    config = launch_settings(config, citation_metadata()["repository"], git_commit())
    (out / "_config.yml").write_text(
        "# Written by analysis/publication/build.py from the project's _config.yml; do not edit.\n"
        + yaml.safe_dump(config, sort_keys=False),
        encoding="utf-8",
    )
    filtered = _filter_toc(toc, keep)
    (out / "_toc.yml").write_text(
        "# Written by analysis/build.py from the project's _toc.yml; do not edit.\n"
        + yaml.safe_dump(filtered, sort_keys=False),
        encoding="utf-8",
    )
    for f in sorted((source / "book").iterdir()):
        if f.suffix in {".md", ".bib"} and f.is_file():
            shutil.copy2(f, out / "book" / f.name)
    static = source / "book" / "_static"
    if static.is_dir():
        shutil.copytree(static, out / "book" / "_static", dirs_exist_ok=True)


def _jupyter_book_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "jupyter-book"
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "from jupyter_book.cli.main import main; main()"]


def _run_jupyter_book(out: Path, strict: bool, log: Callable[[str], None]) -> None:
    """``jupyter-book build`` of ``out`` in its own process group, ended with the build; a failure is
    one line naming its cause (the first warning or error; a full disk as such)."""
    cmd = _jupyter_book_cmd() + ["build", str(out), "--builder", "html", "-n", "--keep-going"]
    if strict:
        cmd.append("-W")
    proc = subprocess.Popen(
        cmd,
        cwd=out,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
        preexec_fn=_die_with_parent_fn(),
    )
    _children.add(proc.pid)
    try:
        raw, _ = proc.communicate()
    finally:
        _children.end(proc.pid)
    text = re.sub(r"\x1b\[[0-9;]*m", "", raw or "")  # no terminal colours
    log_file = out / "jupyter-book.log"
    try:
        log_file.write_text(text, encoding="utf-8")
        where = f"the full log is in {_show(log_file)}"
    except OSError as exc:
        where = f"its log could not be written ({exc.strerror})"
    problems = [ln.strip() for ln in text.splitlines() if re.search(r"\b(WARNING|ERROR|CRITICAL)\b", ln)]
    if proc.returncode != 0:
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        cause = NO_SPACE if _no_space(text) else (problems[0] if problems else (lines[-1] if lines else "no output"))
        more = f" (and {len(problems) - 1} more warning(s)/error(s))" if len(problems) > 1 else ""
        raise BuildError(
            f"jupyter-book build failed (exit {proc.returncode}): {cause}{more}; {where}; "
            "the published book is unchanged"
        )
    for ln in problems:
        log(f"  jupyter-book: {ln}")


def validation_record(target: Path) -> Path:
    """The record, beside a snapshot's build folder, of the snapshot's last full validation (see
    :func:`_open_for_build`); beside it, so that the build folder holds only what a build wrote."""
    return target.parent / f".{target.name}.validated.json"


def _target_of(snapshot_dir: str | os.PathLike) -> Path | None:
    """The build folder of the snapshot at ``snapshot_dir`` by its manifest (None: no readable id)."""
    try:
        manifest = json.loads((Path(snapshot_dir) / "manifest.json").read_text(encoding="utf-8"))
        return paths.build_dir(str(manifest["snapshot_id"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _open_for_build(snapshot_dir: str | os.PathLike, target: Path | None):
    """The snapshot, validated as ``python -m analysis validate`` does (checksums, keys, nulls, every
    page) unless the record beside its build folder says a full validation passed on exactly its
    present state (manifest, file sizes and modification times, validator code):
    :func:`analysis.snapshot.store.open_validated`. Returns (snapshot, whether the full validation ran)."""
    if target is None:
        return open_snapshot(snapshot_dir, deep=True), True  # its own message for what is wrong
    return open_validated(snapshot_dir, validation_record(target))


def build(
    snapshot_dir: str | os.PathLike,
    params_overrides: Mapping[str, Any] | Iterable[str] | None = None,
    notebooks: Iterable[str] | None = None,
    html: bool = True,
    *,
    source: str | os.PathLike | None = None,
    log: Callable[[str], None] = print,
    dry_run: bool = False,
) -> BuildResult:
    """Execute the book's notebooks on one snapshot and build its site.

    ``params_overrides``: ``{"name": value}`` / ``{"nb.name": value}`` or
    ``["name=value", ...]``. ``notebooks``: only these (names such as
    ``part1_activity``); the site then holds the pages executed so far.
    ``source``: folder holding ``_config.yml``, ``_toc.yml`` and ``book/``
    (default: the project). ``dry_run``: stop once the parameters are resolved
    and checked (nothing is executed or written). Raises :class:`BuildError` or
    :class:`~analysis.snapshot.SnapshotError` with a message for the user.
    """
    import papermill as pm

    t_start = time.perf_counter()
    src = Path(source).resolve() if source else paths.ROOT
    if params_overrides is None:
        overrides: dict[str, Any] = {}
    elif isinstance(params_overrides, Mapping):
        overrides = dict(params_overrides)
    else:
        overrides = parse_overrides(params_overrides)
    # refuse secrets before touching anything
    check_no_secrets(overrides, "command line")
    glob, per = load_params(src / "book" / "params.yml")

    target = _target_of(snapshot_dir)
    if target is not None:  # before anything is written, the validation record included
        _check_target(target, src, Path(snapshot_dir))
    t_check = time.perf_counter()
    snap, full_check = _open_for_build(snapshot_dir, target)
    t_check = time.perf_counter() - t_check
    out = paths.build_dir(snap.id)
    _check_target(out, src, snap.path)
    if full_check:
        log(f"snapshot {snap.id} validated in full (checksums, keys, nulls, every page) in {t_check:.1f} s")
    else:
        log(
            f"snapshot {snap.id} unchanged since its full validation ({_show(validation_record(out))}): "
            f"manifest, schema and row counts checked in {t_check:.1f} s"
        )

    toc = yaml.safe_load((src / "_toc.yml").read_text(encoding="utf-8"))
    entries = toc_entries(src)
    missing = [e for e in entries if not (src / f"{e}.ipynb").exists() and not (src / f"{e}.md").exists()]
    if missing:
        raise BuildError(f"_toc.yml lists page(s) that do not exist: {', '.join(missing)}")
    all_nbs = toc_notebooks(src)
    if notebooks is None:
        selected = list(all_nbs)
    else:
        selected = [Path(str(n)).stem for n in notebooks]
        unknown = [n for n in selected if n not in all_nbs]
        if unknown:
            raise BuildError(
                f"--only {', '.join(unknown)}: not a notebook of the book (choose from {', '.join(all_nbs)})"
            )
        selected = [n for n in all_nbs if n in selected]  # toc order
    partial = set(selected) != set(all_nbs)

    declared = {}
    for nb in all_nbs:
        info = pm.inspect_notebook(str(src / "book" / f"{nb}.ipynb"))
        declared[nb] = {k: v for k, v in info.items() if k not in RESERVED}
        for r in RESERVED:
            if r not in info:
                raise BuildError(f"book/{nb}.ipynb: its parameters cell does not declare {r!r}")
    params = resolve_parameters(selected, declared, glob, per, overrides)
    params = check_parameters(params, declared, load_types(src / "book" / TYPES_FILE), snapshot_date=snap.date)
    if dry_run:
        return BuildResult(snap.id, out, None, parameters=params)

    undo_signals = _signals_end_the_build()
    try:
        with FolderLock(out, "python -m analysis build"):
            return _build_into(out, src, toc, snap, params, selected, partial, html, t_start, t_check, log)
    finally:
        undo_signals()


def _check_target(target: Path, src: Path, snapshot: Path) -> None:
    try:
        buildfolder.check_target(target, src, snapshot)
    except buildfolder.FolderRefused as exc:
        raise BuildError(str(exc)) from None


def _build_into(out, src, toc, snap, params, selected, partial, html, t_start, t_check, log) -> BuildResult:
    """The writing half of :func:`build`, holding the build folder's lock: the notebooks and the site
    are made in the staging folder beside ``out``, which replaces ``out`` only once complete."""
    try:
        buildfolder.recover(out)
        buildfolder.check_owned(out)
        # a full build starts from an empty folder; a build of some notebooks from a copy of the last one
        staging = buildfolder.start_staging(out, snap.id, carry=partial)
    except buildfolder.FolderRefused as exc:
        raise BuildError(str(exc)) from None
    except OSError as exc:
        raise BuildError(_os_message(exc, out, "preparing the build folder")) from None
    log(f"building the book of snapshot {snap.id} ({snap.date}, {snap.source_kind}) into {_show(out)}")
    result = BuildResult(snap.id, staging, None, parameters=params)
    result.timings["snapshot validation"] = t_check
    root_nb = Path(_page(str(toc.get("root", "")))).name
    order = [nb for nb in selected if nb != root_nb] + [nb for nb in selected if nb == root_nb]
    os.environ[VERIFIED_ENV] = verified_token(snap.path)  # the notebooks need not checksum it again
    os.environ[COMMIT_ENV] = git_commit() or ""  # asked once here, not by every table of a large kernel
    try:
        (staging / "book").mkdir(exist_ok=True)
        (staging / "parameters.json").write_text(
            json.dumps({"snapshot_id": snap.id, "notebooks": params}, indent=2, sort_keys=True) + "\n",
            encoding="utf-8",
        )
        _execute(src, staging, toc, snap, params, order, partial, html, result, log)
        result.total = time.perf_counter() - t_start
        result.out, result.html = out, (out / "_build" / "html" if result.html else None)
        summary = result.summary()
        (staging / "build-summary.txt").write_text(summary + "\n", encoding="utf-8")
        left = buildfolder.publish(staging, out, snap.id, {"snapshot_date": snap.date, "partial": partial})
    except buildfolder.FolderRefused as exc:
        raise BuildError(f"{exc} (the new build is complete in {_show(staging)})") from None
    except OSError as exc:
        raise BuildError(_os_message(exc, out, "writing the book")) from None
    finally:
        _children.close()
        os.environ.pop(PAGE_ENV, None)
        os.environ.pop(VERIFIED_ENV, None)
        os.environ.pop(COMMIT_ENV, None)
    for f in left:
        log(f"warning: {f} appeared during the build and was not written by a build; it is left where it is")
    log(summary)
    return result


def _os_message(exc: OSError, out: Path, doing: str) -> str:
    """One line for an operating system error met by the build itself (a full disk, say)."""
    cause = NO_SPACE if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{cause} while {doing}{where}; the build stopped and the published book at {_show(out)} is unchanged"


def _execute(src, out, toc, snap, params, order, partial, html, result: BuildResult, log) -> None:
    """Run the notebooks in ``order`` and build the site of ``out`` (the staging folder), filling in
    ``result``."""
    import papermill as pm

    snap_path = str(snap.path)
    with PeakMemory(interval=0.25) as mem:
        for i, nb in enumerate(order, 1):
            out_nb = out / "book" / f"{nb}.ipynb"
            p = dict(params[nb], snapshot_dir=snap_path, output_dir=str(out))
            log(f"[{i}/{len(order)}] executing book/{nb}.ipynb ...")
            t0 = time.perf_counter()
            os.environ[PAGE_ENV] = nb  # the Publisher's links and citations name the page
            try:
                pm.execute_notebook(
                    str(src / "book" / f"{nb}.ipynb"),
                    str(out_nb),
                    parameters=p,
                    kernel_name="python3",
                    cwd=str(out / "book"),
                    progress_bar=False,
                    log_output=False,
                    request_save_on_cell_execute=False,
                    execution_timeout=CELL_TIMEOUT,
                    # the kernel's own warnings (TCP without encryption on 127.0.0.1) are noise here
                    # the kernel's shutdown ("KeyboardInterrupt caught in kernel") is not an error either
                    extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
                    kernel_manager_class=_kernel_manager_class(),  # each kernel dies with the build
                )
            except Exception as exc:  # papermill raises its own and kernel errors
                result.peak_rss = mem.peak
                raise BuildError(_failure_message(nb, out_nb, exc)) from None
            finally:
                _children.end_all()  # the kernel and anything it left running
            _tag_hidden_cells(out_nb)
            result.timings[f"notebook {nb}"] = time.perf_counter() - t0
            log(f"      done in {result.timings[f'notebook {nb}']:.1f} s")
        if html:
            executed = {f"book/{p.stem}" for p in (out / "book").glob("*.ipynb")}
            executed |= {f"book/{p.stem}" for p in (src / "book").glob("*.md")}
            root = _page(str(toc.get("root", "")))
            if root not in executed:
                raise BuildError(
                    f"the landing page {root} has not been executed yet; "
                    f"run a build that includes it (--only {Path(root).name})"
                )
            _copy_sources(src, out, toc, lambda e: e in executed)
            log("building the site with jupyter-book (-n -W --keep-going) ...")
            t0 = time.perf_counter()
            _run_jupyter_book(out, strict=not partial, log=log)
            site = out / "_build" / "html"  # where jupyter-book writes the site of `out`
            for sub in ("tables", "figures"):
                if (out / sub).is_dir():
                    shutil.copytree(out / sub, site / sub, dirs_exist_ok=True)
            shutil.copy2(paths.citation_file(), site / "CITATION.cff")
            write_bundle(out, snap, site)
            if (out / "findings.json").exists():
                shutil.copy2(out / "findings.json", site / "findings.json")
            result.timings["jupyter-book build"] = time.perf_counter() - t0
            result.html = site
    result.peak_rss = mem.peak


# --------------------------------------------------------------------------- #
# command line
# --------------------------------------------------------------------------- #


def parser() -> OneLineParser:
    """The command line of ``python -m analysis build``."""
    parser = OneLineParser(
        prog="python -m analysis build",
        description="Execute the book's notebooks on a snapshot and build the site into _build/<snapshot_id>/.",
    )
    parser.add_argument("snapshot_dir", help="a complete snapshot folder, e.g. data/snapshots/synthetic-demo")
    parser.add_argument(
        "-p",
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a parameter of book/params.yml (NAME or NOTEBOOK.NAME); repeatable",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=None,
        metavar="NOTEBOOK",
        help="execute only this notebook (repeatable); the site keeps earlier pages",
    )
    parser.add_argument("--no-html", action="store_true", help="execute the notebooks, skip jupyter-book")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        overrides = parse_overrides(args.param)
        build(args.snapshot_dir, overrides, notebooks=args.only, html=not args.no_html)
    except (BuildError, SnapshotError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # met outside the steps that name their own (one line, never a traceback)
        cause = NO_SPACE if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        print(f"error: {cause}" + (f" ({exc.filename})" if exc.filename else ""), file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        how = "terminated" if isinstance(exc, BuildTerminated) else "interrupted"
        print(
            f"error: {how}; the published book is unchanged (the last complete build), the unfinished one "
            "is left, marked incomplete, in its staging folder",
            file=sys.stderr,
        )
        return 143 if isinstance(exc, BuildTerminated) else 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
