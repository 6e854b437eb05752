"""The collector's options: the command line, its checks, and the plan a checkpoint is bound to."""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from analysis import paths
from analysis.cli import OneLineParser
from analysis.snapshot.schema import REPO_TYPES, snapshot_id_problem
from analysis.sources.collector.transport import RetryPolicy

STEP_CHOICES = ("commits", "discussions")
SELECT_CHOICES = ("all", "sample", "top-downloads", "top-likes")
ADOPTION_CHOICES = ("spaces-listing", "model-info")

#: The values of ``--repo-types`` / ``--steps`` that change what a snapshot holds; a
#: checkpoint is only resumed by a run with the same ones.
PLAN_KEYS = (
    "snapshot_id",
    "snapshot_date",
    "endpoint",
    "repo_types",
    "steps",
    "select",
    "n",
    "seed",
    "adoption",
    "owner_kinds_top",
)


class CollectError(Exception):
    """A problem the user can act on (bad arguments, refused overwrite, a failed listing)."""


def _redact_endpoint(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def _today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


@dataclass
class Options:
    snapshot_id: str
    snapshot_date: str | None
    out: Path
    checkpoint: Path
    endpoint: str
    repo_types: list[str]
    steps: list[str]
    select: str
    n: int | None
    seed: int
    adoption: str
    owner_kinds_top: int
    concurrency: int
    max_rate: float | None
    retry: RetryPolicy
    progress: bool
    retry_failed: bool = False

    def plan(self) -> dict:
        return {
            "snapshot_id": self.snapshot_id,
            "snapshot_date": self.snapshot_date,
            "endpoint": _redact_endpoint(self.endpoint),
            "repo_types": list(self.repo_types),
            "steps": list(self.steps),
            "select": self.select,
            "n": self.n,
            "seed": self.seed,
            "adoption": self.adoption,
            "owner_kinds_top": self.owner_kinds_top,
        }


#: Every numeric option, declared once: (type, lowest, highest, what it is); None: no bound.
#: Checked before anything runs (:func:`check_numeric`); a float must also be finite.
NUMERIC_OPTIONS: dict[str, tuple[type, float | None, float | None, str]] = {
    "n": (int, 0, None, "a number of repositories per type"),
    "seed": (int, 0, 2**63 - 1, "a seed"),
    "owner_kinds_top": (int, 0, None, "a number of models"),
    "concurrency": (int, 1, 256, "a number of parallel requests"),
    "max_rate": (float, 0.001, 10_000, "requests per second"),
    "max_retries": (int, 0, 100, "retries per request"),
    "max_rate_limited": (int, 0, 1000, "429 responses per request"),
    "backoff": (float, 0.0, 600.0, "seconds"),
}


def check_numeric(name: str, value: float | int | None) -> None:
    """Raise :class:`CollectError` unless ``value`` fits the declaration of option ``name``."""
    if value is None:
        return
    typ, lo, hi, what = NUMERIC_OPTIONS[name]
    flag = "--" + name.replace("_", "-")
    fmt = "{:,}" if typ is int else "{:g}"
    if lo is not None and hi is not None:
        rng = f"{fmt.format(lo)}..{fmt.format(hi)}"
    else:
        rng = f">= {fmt.format(lo)}" if lo is not None else f"<= {fmt.format(hi)}"
    if typ is int and (not isinstance(value, int) or isinstance(value, bool)):
        raise CollectError(f"{flag} {value!r}; expected an integer ({what}, {rng})")
    if typ is float and not math.isfinite(value):
        raise CollectError(f"{flag} {value}; expected a finite number ({what}, {rng})")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise CollectError(f"{flag} {value:g}; expected {what}, {rng}")


def _csv_choice(value: str, choices: Iterable[str], what: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()] if value else []
    bad = [v for v in items if v not in choices]
    if bad:
        raise CollectError(f"--{what}: unknown value(s) {', '.join(bad)}; choose from {', '.join(choices)}")
    # keep the canonical order, drop duplicates
    return [c for c in choices if c in items]


def _parser() -> OneLineParser:
    """The command line of ``collect`` (its usage text is the collector package's docstring)."""
    _USAGE = sys.modules[__package__].__doc__ or ""
    p = OneLineParser(
        prog="python -m analysis collect",
        description=_USAGE.split("\n\n")[0],
        epilog=_USAGE.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--snapshot-id", help="snapshot id (default: hub-<snapshot date>)")
    p.add_argument(
        "--snapshot-date", help="snapshot date YYYY-MM-DD (default: today, UTC; on resume: the checkpoint's)"
    )
    p.add_argument("--out", help="snapshot directory (default: data/snapshots/<id>)")
    p.add_argument(
        "--checkpoint-dir", help="checkpoint directory (default: data/checkpoints/<id>, or <out>.checkpoint with --out)"
    )
    p.add_argument("--endpoint", help="Hub endpoint (default: $HF_ENDPOINT, else https://huggingface.co)")
    p.add_argument(
        "--repo-types", default="model,dataset,space", help="comma list of model,dataset,space (default: all three)"
    )
    p.add_argument(
        "--steps",
        default="commits,discussions",
        help="per-repository steps: comma list of commits,discussions, or 'none'",
    )
    p.add_argument(
        "--select",
        default="all",
        choices=SELECT_CHOICES,
        help="which repositories the per-repository steps cover (per repository type)",
    )
    p.add_argument("--n", type=int, help="how many repositories per type for --select sample/top-*")
    p.add_argument("--seed", type=int, default=0, help="seed of --select sample (default 0)")
    p.add_argument(
        "--adoption",
        default="spaces-listing",
        choices=ADOPTION_CHOICES,
        help="space->model edges from the spaces listing (default) or one model_info per model (the paper's way)",
    )
    p.add_argument(
        "--owner-kinds-top",
        type=int,
        default=0,
        metavar="N",
        help="record organisation/user for the owners of the N models used by the most spaces (one request per owner)",
    )
    p.add_argument("--concurrency", type=int, default=8, help="parallel requests (default 8)")
    p.add_argument(
        "--max-rate",
        type=float,
        default=None,
        help="requests/s ceiling for all threads together (default: none beyond the Hub's RateLimit-Policy)",
    )
    p.add_argument(
        "--max-retries", type=int, default=5, help="retries per request on 5xx / dropped connections (default 5)"
    )
    p.add_argument(
        "--max-rate-limited",
        type=int,
        default=8,
        help="429 responses tolerated per request before giving up (default 8)",
    )
    p.add_argument(
        "--backoff",
        type=float,
        default=0.5,
        help="first back-off in seconds, doubled per retry, with jitter (default 0.5)",
    )
    p.add_argument(
        "--retry-failed",
        action="store_true",
        help="offer repositories whose step failed after every retry once more: at the end of each step, "
        "and on resume those that failed in earlier runs (without it a failure is final)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    return p


def _checked_choices(a: argparse.Namespace) -> tuple[list[str], list[str]]:
    """The repository types and steps asked for, after checking every option's value."""
    repo_types = _csv_choice(a.repo_types, REPO_TYPES, "repo-types")
    if not repo_types:
        raise CollectError("--repo-types: give at least one of model, dataset, space")
    steps = [] if a.steps.strip() == "none" else _csv_choice(a.steps, STEP_CHOICES, "steps")
    if a.select != "all" and a.n is None:
        raise CollectError(f"--select {a.select} needs --n (a number of repositories per type, >= 0)")
    if a.select == "all" and a.n is not None:
        raise CollectError("--n is only used with --select sample, top-downloads or top-likes")
    for name in NUMERIC_OPTIONS:
        check_numeric(name, getattr(a, name))
    if a.snapshot_date:
        try:
            dt.date.fromisoformat(a.snapshot_date)
        except ValueError:
            raise CollectError(f"--snapshot-date {a.snapshot_date!r}; expected YYYY-MM-DD") from None
    return repo_types, steps


def _folders(a: argparse.Namespace, snapshot_id: str) -> tuple[Path, Path]:
    """The snapshot's folder and its checkpoint's."""
    out = Path(a.out).resolve() if a.out else paths.SNAPSHOTS / snapshot_id
    if a.checkpoint_dir:
        checkpoint = Path(a.checkpoint_dir).resolve()
    elif a.out:
        checkpoint = out.with_name(out.name + ".checkpoint")
    else:
        checkpoint = paths.CHECKPOINTS / snapshot_id
    return out, checkpoint


def _endpoint(a: argparse.Namespace) -> str:
    endpoint = a.endpoint or os.environ.get("HF_ENDPOINT") or "https://huggingface.co"
    if not urlsplit(endpoint).scheme.startswith("http") or not urlsplit(endpoint).hostname:
        raise CollectError(f"--endpoint {_redact_endpoint(endpoint)!r}; expected an http(s) URL")
    return endpoint


def parse_args(argv: list[str]) -> Options:
    """``collect``'s options from its command line; a bad value raises :class:`CollectError`."""
    try:
        a = _parser().parse_args(argv)
    except SystemExit as exc:
        raise SystemExit(exc.code if exc.code == 0 else 2) from None
    repo_types, steps = _checked_choices(a)
    snapshot_id = a.snapshot_id or f"hub-{a.snapshot_date or _today()}"
    problem = snapshot_id_problem(snapshot_id)
    if problem:
        raise CollectError(f"--snapshot-id: {problem}")
    out, checkpoint = _folders(a, snapshot_id)
    endpoint = _endpoint(a)
    return Options(
        snapshot_id=snapshot_id,
        snapshot_date=a.snapshot_date,
        out=out,
        checkpoint=checkpoint,
        endpoint=endpoint.rstrip("/"),
        repo_types=repo_types,
        steps=steps,
        select=a.select,
        n=a.n,
        seed=a.seed,
        adoption=a.adoption,
        owner_kinds_top=a.owner_kinds_top,
        concurrency=a.concurrency,
        max_rate=a.max_rate,
        retry=RetryPolicy(max_retries=a.max_retries, max_rate_limited=a.max_rate_limited, base=a.backoff),
        progress=not a.no_progress,
        retry_failed=a.retry_failed,
    )
