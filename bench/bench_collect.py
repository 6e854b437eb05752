"""Benchmark of the collector against the local fake Hub (prints its figures; not a test).

    .venv/bin/python bench/bench_collect.py [--models 11900] [--rate 200] [--latency 0.05]

1. Generates a calibrated synthetic Hub (:func:`analysis.sources.synth.generate`) of about 20,000
   repositories (models, datasets, spaces with their commits, discussions and space->model
   edges) in a temporary folder.
2. Serves it with :class:`fakehub.server.FakeHub` on 127.0.0.1 with ``--latency`` seconds
   added to every request and a real request-rate limit (``--rate`` requests per 1 s fixed
   window; 429 beyond, with ``RateLimit``/``RateLimit-Policy`` headers).
3. Runs ``python -m analysis collect`` once (a subprocess: listings of the three types with
   ``expand``, commits and discussions of every repository, space->model edges from the spaces
   listing) and measures wall time and the subprocess's peak memory (``ru_maxrss``).
4. Measures the paper's way (``hf-hub-mining`` scripts: listings without ``expand``, then, one
   repository at a time, ``list_repo_commits`` and ``get_repo_discussions`` for every
   repository and ``model_info`` for every model) on a subset of ``--baseline-repos``
   repositories per type with the stock ``huggingface_hub`` client, and extrapolates its wall
   time to the whole snapshot (per-type mean seconds per repository x repositories). Its
   request count is exact (computed from the snapshot: every page of every endpoint). The
   scripts' own ``time.sleep(1)`` per repository is left out of the measured time and printed
   separately.
5. Checks that the collected snapshot holds what was served (row counts per table).
6. Scenario B (``--sample-hub-models``, 0 skips it): a bigger synthetic Hub (about 60,000
   repositories) whose listings are all collected, with commits and discussions for a seeded
   sample of ``--sample-repos`` repositories (a third per type); requests per *listed*
   repository are compared with the paper's scripts on every repository, and, for fairness,
   with the paper's scripts restricted to the same sample.

Requests per repository, like for like (scenario A): commits and discussions are
per-repository endpoints (at least one request each per repository, also for the paper), so
the saving is the paper's ``model_info`` per model (adoption edges come from the spaces
listing instead) and the listing's ``expand`` (no metadata request per repository): about
2.0 against 2.6 requests per repository. One third of the paper's count is only reached when
the per-repository steps cover a sample (scenario B), which the paper's scripts could not do.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# the stock client of the baseline would otherwise look up its agent registry at huggingface.co
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analysis.snapshot import open_snapshot  # noqa: E402
from fakehub.server import FakeHub  # noqa: E402


def paper_requests(src, page_size: int, commit_page: int, discussion_page: int) -> dict[str, int]:
    """Exact request count of the paper's scripts on this snapshot (no failures, no retries)."""
    counts = {}
    listing = sum(max(1, math.ceil(src.rows(t) / page_size)) for t in ("models", "datasets", "spaces"))
    per_repo = 0
    for table, size in (("commits", commit_page), ("discussions", discussion_page)):
        df = src.table(table, ["repo_type", "repo_id"])
        n = df.groupby(["repo_type", "repo_id"]).size()
        pages = {k: max(1, math.ceil(v / size)) for k, v in n.items()}
        for t, name in (("model", "models"), ("dataset", "datasets"), ("space", "spaces")):
            ids = src.table(name, ["id"]).id
            per_repo += sum(pages.get((t, i), 1) for i in ids)  # an empty repo still costs a request
    counts["listing"] = listing
    counts["commits+discussions"] = per_repo
    counts["model_info"] = src.rows("models")
    counts["total"] = listing + per_repo + src.rows("models")
    return counts


def baseline(hub: FakeHub, src, per_type: int) -> dict[str, float]:
    """The paper's loop, one repository at a time, with the stock client; seconds per repository."""
    from huggingface_hub import HfApi
    from huggingface_hub.utils import _http

    _http.set_client_factory(_http.default_client_factory)  # stock client, stock retries
    api = HfApi(endpoint=hub.endpoint, token=False)
    out = {}
    t0 = time.monotonic()
    for lister in (api.list_models, api.list_datasets, api.list_spaces):
        for _ in lister():
            pass
    out["listing_s"] = time.monotonic() - t0
    for t, name in (("model", "models"), ("dataset", "datasets"), ("space", "spaces")):
        ids = list(src.table(name, ["id"]).id)[:per_type]
        t0 = time.monotonic()
        for rid in ids:
            try:
                list(api.list_repo_commits(rid, repo_type=t))
            except Exception:  # noqa: BLE001 - the scripts caught everything too
                pass
            try:
                list(api.get_repo_discussions(rid, repo_type=t))
            except Exception:  # noqa: BLE001
                pass
            if t == "model":
                try:
                    api.model_info(rid)
                except Exception:  # noqa: BLE001
                    pass
        out[f"{t}_s_per_repo"] = (time.monotonic() - t0) / max(1, len(ids))
        out[f"{t}_measured"] = len(ids)
    return out


_WRAPPER = (
    "import resource, sys\n"
    "from analysis.sources import collector as collect\n"
    "rc = collect.main(sys.argv[1:])\n"
    "print(f'PEAK_RSS_KB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr)\n"
    "sys.exit(rc)\n"
)


def run_collector(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess, float, float]:
    """``python -m analysis collect ARGS`` in a subprocess: (result, wall seconds, peak RSS MB)."""
    t0 = time.monotonic()
    res = subprocess.run([sys.executable, "-c", _WRAPPER, *args], capture_output=True, text=True, cwd=cwd)
    wall = time.monotonic() - t0
    peak = 0.0
    lines = []
    for line in res.stderr.splitlines():
        if line.startswith("PEAK_RSS_KB "):
            peak = int(line.split()[1]) / 1024
        else:
            lines.append(line)
    res.stderr = "\n".join(lines)
    return res, wall, peak


def sampled_scenario(a, tmp: Path) -> None:
    """Listings of a bigger Hub, commits and discussions for a seeded sample of ~20,000 repositories."""
    from analysis.sources.synth import generate

    src = generate(tmp / "big", models=a.sample_hub_models, seed=a.seed + 1)
    n = {"model": src.rows("models"), "dataset": src.rows("datasets"), "space": src.rows("spaces")}
    listed = sum(n.values())
    per_type = math.ceil(a.sample_repos / 3)
    sampled = sum(min(per_type, v) for v in n.values())
    page, cpage, dpage = 1000, 50, 50
    print(
        f"\n--- scenario B: listings of {listed:,} repositories ({n['model']:,} models, {n['dataset']:,} datasets, "
        f"{n['space']:,} spaces), commits and discussions for a seeded sample of {per_type:,} per type "
        f"({sampled:,} repositories)"
    )
    with FakeHub(
        src,
        latency=a.latency,
        rate_limit=(a.rate, 1.0),
        page_size=page,
        commit_page_size=cpage,
        discussion_page_size=dpage,
    ) as hub:
        args = [
            "--snapshot-id",
            "bench-sample",
            "--out",
            str(tmp / "sampled"),
            "--endpoint",
            hub.endpoint,
            "--concurrency",
            str(a.concurrency),
            "--select",
            "sample",
            "--n",
            str(per_type),
            "--seed",
            "1",
            "--no-progress",
        ]
        res, wall, peak = run_collector(args, tmp)
        stats = hub.stats
    if res.returncode != 0:
        print(res.stderr, file=sys.stderr)
        return
    got = open_snapshot(tmp / "sampled")
    ours = stats["requests"]
    served = ours - stats["rate_limited"]
    paper_all = paper_requests(src, page, cpage, dpage)["total"]
    cov = got.table("repo_coverage")
    sample_ids = cov[cov.step == "commits"][["repo_type", "repo_id"]]
    # the paper's scripts restricted to the same sample (for fairness): 2 steps + model_info per sampled model
    paper_same = 0
    for table, size in (("commits", cpage), ("discussions", dpage)):
        cnt = src.table(table, ["repo_type", "repo_id"]).groupby(["repo_type", "repo_id"]).size()
        paper_same += sum(max(1, math.ceil(cnt.get((t, i), 0) / size)) for t, i in sample_ids.itertuples(index=False))
    paper_same += int((sample_ids.repo_type == "model").sum())
    paper_same += sum(max(1, math.ceil(v / page)) for v in n.values())
    print(f"{'':46}{'this collector':>16}{'paper, all repos':>18}{'paper, same sample':>20}")
    print(f"{'requests':46}{ours:>16,}{paper_all:>18,}{paper_same:>20,}")
    print(
        f"{'requests per listed repository':46}{ours / listed:>16.3f}{paper_all / listed:>18.3f}{paper_same / listed:>20.3f}"
    )
    print(f"{'  ratio (this / paper)':46}{'':>16}{ours / paper_all:>18.3f}{ours / paper_same:>20.3f}")
    print(
        f"{'wall time (s) / rate-limit floor (s)':46}{wall:>9.1f} / {served / a.rate:<6.1f}"
        f"  wall / floor {wall / (served / a.rate):.3f}"
    )
    print(f"{'peak memory (MB, collector process)':46}{peak:>16.0f}")
    print(
        f"coverage of commits: {got.manifest['coverage']['commits']['scope']}, "
        f"selection {got.manifest['coverage']['commits']['selection']}"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", type=int, default=11_900, help="models to generate (about 20,000 repositories in all)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rate", type=int, default=200, help="fake Hub limit: requests per 1 s window")
    p.add_argument("--latency", type=float, default=0.05)
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--baseline-repos", type=int, default=60, help="repositories per type for the sequential baseline")
    p.add_argument(
        "--sample-hub-models",
        type=int,
        default=36_000,
        help="scenario B: models of the bigger Hub whose listings are collected (0: skip scenario B)",
    )
    p.add_argument(
        "--sample-repos", type=int, default=20_000, help="scenario B: repositories sampled (a third per type)"
    )
    a = p.parse_args(argv)

    from analysis.sources.synth import generate

    with tempfile.TemporaryDirectory(prefix="bench-collect-") as tmp:
        tmp = Path(tmp)
        t0 = time.monotonic()
        src = generate(tmp / "source", models=a.models, seed=a.seed)
        n_repos = sum(src.rows(t) for t in ("models", "datasets", "spaces"))
        print(
            f"source: synthetic, {src.rows('models'):,} models, {src.rows('datasets'):,} datasets, "
            f"{src.rows('spaces'):,} spaces = {n_repos:,} repositories; {src.rows('commits'):,} commits, "
            f"{src.rows('discussions'):,} discussions, {src.rows('space_models'):,} space->model edges "
            f"(generated in {time.monotonic() - t0:.0f} s)"
        )
        page, cpage, dpage = 1000, 50, 50
        with FakeHub(
            src,
            latency=a.latency,
            rate_limit=(a.rate, 1.0),
            page_size=page,
            commit_page_size=cpage,
            discussion_page_size=dpage,
        ) as hub:
            out = tmp / "collected"
            cmd = [
                "--snapshot-id",
                "bench",
                "--out",
                str(out),
                "--endpoint",
                hub.endpoint,
                "--concurrency",
                str(a.concurrency),
                "--no-progress",
            ]
            print(
                f"fake Hub: {a.latency * 1000:.0f} ms latency, at most {a.rate} requests/s "
                f"(fixed 1 s windows); collector: --concurrency {a.concurrency}"
            )
            res, wall, peak_mb = run_collector(cmd, tmp)
            if res.returncode != 0:
                print(res.stderr, file=sys.stderr)
                return 1
            stats = hub.stats
            hub.reset_stats()
            base = baseline(hub, src, a.baseline_repos)
            base_stats = hub.stats

        got = open_snapshot(out)
        ours = stats["requests"]
        served = ours - stats["rate_limited"] - sum(stats["faults"].values())
        floor = served / a.rate
        paper = paper_requests(src, page, cpage, dpage)
        n = {"model": src.rows("models"), "dataset": src.rows("datasets"), "space": src.rows("spaces")}
        base_wall = base["listing_s"] + sum(base[f"{t}_s_per_repo"] * n[t] for t in n)
        for t in ("models", "datasets", "spaces", "commits", "discussions", "space_models"):
            if got.rows(t) != src.rows(t):
                print(f"MISMATCH: {t}: collected {got.rows(t):,} rows, served {src.rows(t):,}")
        print()
        print(f"{'':38}{'this collector':>18}{'paper (scripts)':>18}")
        print(f"{'requests':38}{ours:>18,}{paper['total']:>18,}")
        print(f"{'  listing pages':38}{'':>18}{paper['listing']:>18,}")
        print(f"{'  commits + discussions pages':38}{'':>18}{paper['commits+discussions']:>18,}")
        print(f"{'  model_info (adoption)':38}{0:>18,}{paper['model_info']:>18,}")
        print(f"{'requests per repository':38}{ours / n_repos:>18.3f}{paper['total'] / n_repos:>18.3f}")
        print(f"{'  ratio (this / paper)':38}{ours / paper['total']:>18.3f}")
        print(f"{'wall time (s)':38}{wall:>18.1f}{base_wall:>18.0f}  (extrapolated, see below)")
        print(f"{'rate-limit floor (s) = requests / rate':38}{floor:>18.1f}{paper['total'] / a.rate:>18.1f}")
        print(f"{'  wall / floor':38}{wall / floor:>18.3f}")
        print(f"{'peak memory (MB, collector process)':38}{peak_mb:>18.0f}")
        print()
        print(
            f"collector: {ours:,} requests, of which {stats['rate_limited']:,} answered 429 by the limit; "
            f"by status {stats['by_status']}; max in flight {stats['max_in_flight']}"
        )
        print(
            f"paper baseline: measured {base['model_measured']} models, {base['dataset_measured']} datasets, "
            f"{base['space_measured']} spaces one at a time with the stock client "
            f"({base_stats['requests']:,} requests; listing {base['listing_s']:.1f} s; "
            f"{base['model_s_per_repo'] * 1000:.0f} / {base['dataset_s_per_repo'] * 1000:.0f} / "
            f"{base['space_s_per_repo'] * 1000:.0f} ms per model / dataset / space), extrapolated to "
            f"{n_repos:,} repositories; the scripts also sleep 1 s per repository: +{n_repos:,} s more."
        )
        print(
            f"speed-up in wall time: {base_wall / wall:.1f}x (without the scripts' sleeps), "
            f"{(base_wall + n_repos) / wall:.1f}x (with them)"
        )
        print("summary from the collector:\n" + res.stderr.strip())
        if a.sample_hub_models:
            sampled_scenario(a, tmp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
