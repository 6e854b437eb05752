"""Benchmark: Part II (collaboration networks and identity resolution) at Hub scale.

Target (issue 5): on a synthetic snapshot with 1,000,000 model repositories,
3,000,000 commits and 300,000 developers, building both networks (reproduction
and cleaned) and every statistic of the book (``tab-network`` whole and without
isolates, core-periphery, reciprocity by position, degree distributions,
subfields) in under 10 minutes with peak memory under 8 GB; identity
resolution over the snapshot's distinct commit-author names (about 300,000) in
under 5 minutes.

The snapshot comes from ``analysis.sources.synth.generate(..., models=, commits=,
developers=)``; with ``--quick`` (or where ``analysis.sources.synth`` is missing) a
small generator here writes only what Part II reads (models with tags, model
commits with author lists including ``system``, bots and git-name variants).

Usage: ``.venv/bin/python bench/bench_part2.py [--models N --commits N
--developers N] [--workdir DIR] [--keep] [--quick] [--snapshot DIR]``.
Prints wall times and peak RSS (sampled with psutil; and ``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.memory import PeakMemory  # noqa: E402
from analysis.parts import identity, network  # noqa: E402
from analysis.snapshot import open_snapshot, write_snapshot  # noqa: E402


def generate_quick(out: Path, models: int, commits: int, developers: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    first = np.array(["alex", "maria", "li", "sam", "joao", "nina", "omar", "yuki", "ana", "ivan"])
    last = np.array(["smith", "gante", "chen", "rossi", "garcia", "ito", "khan", "novak", "lee", "silva"])
    usernames = np.array([f"{first[i % 10]}{last[(i // 10) % 10]}{i}" for i in range(developers)], dtype=object)
    gitnames = np.array(
        [f"{first[i % 10].title()} {last[(i // 10) % 10].title()}{i}" for i in range(developers)], dtype=object
    )
    repo = np.sort(rng.integers(0, models, commits - models))
    repo = np.sort(np.concatenate([np.arange(models), repo]))
    owner_dev = (rng.pareto(1.2, models) * 50).astype(np.int64) % developers
    dev = np.where(rng.random(len(repo)) < 0.8, owner_dev[repo], rng.integers(0, developers, len(repo)))
    name = np.where(rng.random(len(repo)) < 0.7, usernames[dev], gitnames[dev])
    start = np.r_[True, repo[1:] != repo[:-1]]
    name[start] = "system"
    name[rng.random(len(repo)) < 0.01] = "SFconvertbot"
    ids = np.array([f"o{owner_dev[i]}/m{i}" for i in range(models)], dtype=object)
    tasks = np.array(["text-generation", "image-classification", "text-to-image", "fill-mask", "other"])
    mdf = pd.DataFrame(
        {
            "id": ids,
            "owner": [i.split("/")[0] for i in ids],
            "name": [f"m{i}" for i in range(models)],
            "tags": [[t] for t in tasks[rng.integers(0, 5, models)]],
        }
    )
    cdf = pd.DataFrame(
        {
            "repo_type": "model",
            "repo_id": ids[repo],
            "commit_id": np.arange(len(repo)).astype(str),
            "authors": [[x] for x in name],
        }
    )
    return write_snapshot(out, {"models": mdf, "commits": cdf}, snapshot_id="bench-part2-quick")


def extra_names(k: int, seed: int = 1) -> list[str]:
    """``k`` developer names in the styles commit authors use (usernames, git names, variants)."""
    rng = np.random.default_rng(seed)
    first = [
        "alex",
        "maria",
        "li",
        "sam",
        "joao",
        "nina",
        "omar",
        "yuki",
        "ana",
        "ivan",
        "fatima",
        "lucas",
        "chen",
        "priya",
        "tom",
        "sofia",
        "kwame",
        "elena",
        "hugo",
        "mei",
        "raj",
        "ines",
        "david",
        "aiko",
    ]
    last = [
        "smith",
        "gante",
        "chen",
        "rossi",
        "garcia",
        "ito",
        "khan",
        "novak",
        "lee",
        "silva",
        "mueller",
        "okafor",
        "patel",
        "kim",
        "dubois",
        "nguyen",
        "ivanova",
        "santos",
        "haddad",
        "larsen",
    ]
    f = rng.choice(first, k)
    la = rng.choice(last, k)
    num = rng.integers(0, 100_000, k)
    style = rng.integers(0, 5, k)
    out = []
    for a, b, n, s in zip(f, la, num, style):
        if s == 0:
            out.append(f"{a.title()} {b.title()} {n}")
        elif s == 1:
            out.append(f"{a}{b}{n}")
        elif s == 2:
            out.append(f"{a}-{b}-{n}")
        elif s == 3:
            out.append(f"{a[0]}{b}{n}")
        else:
            out.append(f"{a}.{b}{n}x")
    return list(dict.fromkeys(out))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=int, default=1_000_000)
    ap.add_argument("--commits", type=int, default=3_000_000)
    ap.add_argument("--developers", type=int, default=300_000)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--snapshot", type=Path, default=None, help="use an existing snapshot")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-part2-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        with PeakMemory(children=False) as mem:
            t0 = time.perf_counter()
            if args.snapshot:
                snap = open_snapshot(args.snapshot)
                how = f"existing snapshot {args.snapshot}"
            else:
                out = work / "snapshot"
                try:
                    if args.quick:
                        raise ImportError
                    from analysis.sources import synth

                    snap = synth.generate(
                        out,
                        models=args.models,
                        commits=args.commits,
                        developers=args.developers,
                        snapshot_id="bench-part2",
                    )
                    how = "analysis.sources.synth.generate"
                except ImportError:
                    snap = generate_quick(out, args.models, args.commits, args.developers)
                    how = "quick generator (bench/bench_part2.py)"
            t_gen = time.perf_counter() - t0
            print(
                f"snapshot: {how}: {snap.rows('models'):,} models, {snap.rows('commits'):,} commits in {t_gen:.1f} s",
                flush=True,
            )

            mem.new_phase()
            t0 = time.perf_counter()
            commits = network.load_commit_authors(snap)
            per_name = commits.commits_per_name()
            t_load = time.perf_counter() - t0
            print(
                f"load commits: {commits.n_commits:,} model commits, {len(commits.names):,} distinct "
                f"author names, {t_load:.1f} s",
                flush=True,
            )

            t0 = time.perf_counter()
            res = identity.resolve(commits.names, weights=per_name.to_dict(), owners=network.hub_namespaces(snap))
            t_id = time.perf_counter() - t0
            print(
                f"identity resolution: {len(commits.names):,} names, {len(res.candidates):,} candidate "
                f"pairs, {len(res.groups):,} groups, {t_id:.1f} s (target < 300 s)",
                flush=True,
            )
            peak_id = mem.phase_peak

            if len(commits.names) < args.developers:
                names = list(commits.names) + extra_names(args.developers - len(commits.names))
                mem.new_phase()
                t0 = time.perf_counter()
                res2 = identity.resolve(names, owners=network.hub_namespaces(snap))
                t_id2 = time.perf_counter() - t0
                print(
                    f"identity resolution, topped up to {len(set(names)):,} names (the snapshot's plus "
                    f"generated name variants): {len(res2.candidates):,} candidate pairs, "
                    f"{len(res2.groups):,} groups, {t_id2:.1f} s (target < 300 s), peak RSS "
                    f"{mem.phase_peak / 2**30:.2f} GB",
                    flush=True,
                )
                del res2, names

            mem.new_phase()
            t0 = time.perf_counter()
            network.part._CACHE.clear()
            p = network.compute(snap)
            t_compute = time.perf_counter() - t0
            t1 = time.perf_counter()
            st = network.stats_all(p)
            t_stats = time.perf_counter() - t1
            t1 = time.perf_counter()
            network.core_periphery_tables(p)
            for net in (p.reproduction, p.cleaned):
                network.reciprocity_by_position(net)
                network.degree_distribution(net)
                network.drawing_nodes(net)
            t_cp = time.perf_counter() - t1
            t1 = time.perf_counter()
            network.subfields_table(p)
            t_sf = time.perf_counter() - t1
            t_total = time.perf_counter() - t0
            peak_net = mem.phase_peak
        r, c = st["reproduction"], st["cleaned"]
        print(
            f"networks: reproduction {r['nodes']:,} nodes / {r['edges']:,} edges "
            f"({r['isolates_pct']:.1f}% isolates); cleaned {c['nodes']:,} nodes / {c['edges']:,} edges "
            f"({c['isolates_pct']:.1f}% isolates)"
        )
        print(f"  load + identity + both networks (compute): {t_compute:.1f} s")
        print(f"  tab-network statistics (4 networks):       {t_stats:.1f} s")
        print(f"  core-periphery, reciprocity, degrees:      {t_cp:.1f} s")
        print(f"  subfields (3 networks + statistics):       {t_sf:.1f} s")
        print(f"  total, networks and every statistic:       {t_total:.1f} s (target < 600 s)")
        print(
            f"peak RSS: identity step {peak_id / 2**30:.2f} GB; network step {peak_net / 2**30:.2f} GB "
            f"(target < 8 GB); process max {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GB "
            "(includes generation)"
        )
    finally:
        if not args.keep and not args.workdir and not args.snapshot:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
