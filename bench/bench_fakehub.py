"""How fast the fake Hub serves a 20,000-repository snapshot (prints its figures).

    .venv/bin/python bench/bench_fakehub.py [--repos 20000] [--threads 32] [--latency 0.05]

Writes a throwaway snapshot (seeded, in a temporary folder), then measures:
indexing time; listing all models with ``expand`` through ``HfApi``;
sequential and concurrent request rates with no added latency; and, with
``--latency``, the concurrent rate against its ideal (threads / latency).
Peak memory is the process's maximum resident set size (server and client
share this process).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx2
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.snapshot import write_snapshot  # noqa: E402
from fakehub.server import FakeHub  # noqa: E402


def make_snapshot(directory: Path, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    counts = {"models": int(n * 0.6), "datasets": int(n * 0.25)}
    counts["spaces"] = n - counts["models"] - counts["datasets"]
    owners = [f"owner{i}" for i in range(max(1, n // 8))]
    tables = {}
    base = pd.Timestamp("2022-01-01", tz="UTC")
    for table, k in counts.items():
        own = rng.choice(owners, size=k)
        tables[table] = pd.DataFrame(
            {
                "id": [f"{o}/{table[:-1]}-{i}" for i, o in enumerate(own)],
                "owner": own,
                "name": [f"{table[:-1]}-{i}" for i in range(k)],
                "created_at": base + pd.to_timedelta(rng.integers(0, 800, k), unit="D"),
                "last_modified": base + pd.to_timedelta(rng.integers(800, 900, k), unit="D"),
                "license": rng.choice(["mit", "apache-2.0", None], size=k),
                "tags": [["pytorch", "license:mit"] if i % 3 == 0 else ["jax"] for i in range(k)],
                "likes": rng.zipf(2.0, k).clip(max=10**6) - 1,
                "downloads": None if table == "spaces" else rng.zipf(1.8, k).clip(max=10**8) - 1,
                "sdk": rng.choice(["gradio", "streamlit"], size=k) if table == "spaces" else None,
                "gated": "false",
                "private": False,
                "disabled": False,
                "sha": [f"{i:040x}" for i in range(k)],
            }
        )
    rows = []
    for table, rt in (("models", "model"), ("datasets", "dataset"), ("spaces", "space")):
        per = rng.poisson(3, counts[table]) + 1
        for rid, c in zip(tables[table]["id"], per):
            rows.extend((rt, rid, c_) for c_ in range(c))
    rt, rid, c = zip(*rows)
    tables["commits"] = pd.DataFrame(
        {
            "repo_type": rt,
            "repo_id": rid,
            "commit_id": [f"{k:040x}" for k in range(len(rid))],  # unique; hash() of a str varies per process
            "date": base + pd.to_timedelta(np.arange(len(rid)) % 100_000, unit="min"),
            "authors": [["alice"] if x % 2 else ["bob", "carol"] for x in c],
            "title": [f"commit {x}" for x in c],
        }
    )
    disc = tables["models"].sample(frac=0.3, random_state=seed)["id"]
    tables["discussions"] = pd.DataFrame(
        {
            "repo_type": "model",
            "repo_id": disc,
            "number": 1,
            "author": "alice",
            "is_pull_request": False,
            "status": "open",
            "created_at": base,
            "title": "question",
        }
    )
    models = tables["models"]["id"].to_numpy()
    edges = {(s, models[j]) for s in tables["spaces"]["id"] for j in rng.integers(0, len(models), 2)}
    tables["space_models"] = pd.DataFrame(sorted(edges), columns=["space_id", "model_id"])
    tables["owners"] = pd.DataFrame(
        {"owner": owners, "kind": ["organization" if i % 4 == 0 else "user" for i in range(len(owners))]}
    )
    return write_snapshot(directory, tables, snapshot_id="bench-fakehub")


def rate(endpoint: str, paths: list[str], threads: int) -> float:
    """Requests per second for GETting ``paths`` with ``threads`` keep-alive clients."""
    chunks = [paths[i::threads] for i in range(threads)]
    errors: list[int] = []

    def work(chunk):
        with httpx2.Client(timeout=60) as client:
            for p in chunk:
                r = client.get(endpoint + p)
                if r.status_code != 200:
                    errors.append(r.status_code)

    ts = [threading.Thread(target=work, args=(c,)) for c in chunks]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"error: {len(errors)} requests failed, e.g. HTTP {errors[0]}")
    return len(paths) / wall


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repos", type=int, default=20_000)
    ap.add_argument("--threads", type=int, default=32)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--requests", type=int, default=3000)
    args = ap.parse_args()
    from huggingface_hub import HfApi

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        snap = make_snapshot(Path(tmp) / "bench", args.repos)
        print(
            f"snapshot: {args.repos:,} repositories, {snap.rows('commits'):,} commits, "
            f"written in {time.perf_counter() - t0:.1f} s"
        )
        t0 = time.perf_counter()
        hub = FakeHub(snap)
        print(f"index: {time.perf_counter() - t0:.2f} s")
        models = list(hub.repos["model"].row)
        rng = np.random.default_rng(1)
        pick = rng.choice(len(models), size=args.requests)
        info_paths = [f"/api/models/{models[i]}" for i in pick]
        commit_paths = [f"/api/models/{models[i]}/commits/main" for i in pick]
        with hub:
            api = HfApi(endpoint=hub.endpoint, token=False)
            t0 = time.perf_counter()
            listed = sum(
                1
                for _ in api.list_models(
                    expand=[
                        "author",
                        "downloads",
                        "likes",
                        "tags",
                        "createdAt",
                        "lastModified",
                        "downloadsAllTime",
                        "spaces",
                    ]
                )
            )
            wall = time.perf_counter() - t0
            print(
                f"list_models (expand, 1000 per page): {listed:,} models in {wall:.2f} s "
                f"({hub.stats['by_endpoint']['list_models']} requests)"
            )
            print(f"model_info, 1 thread:  {rate(hub.endpoint, info_paths[:1000], 1):,.0f} requests/s")
            print(f"model_info, {args.threads} threads: {rate(hub.endpoint, info_paths, args.threads):,.0f} requests/s")
            print(
                f"commits, {args.threads} threads:    {rate(hub.endpoint, commit_paths, args.threads):,.0f} requests/s"
            )
        if args.latency:
            with FakeHub(snap, latency=args.latency) as slow:
                ideal = args.threads / args.latency
                got = rate(slow.endpoint, commit_paths, args.threads)
                print(
                    f"commits, {args.threads} threads, {args.latency * 1000:.0f} ms latency: {got:,.0f} requests/s "
                    f"(ideal {ideal:,.0f}; {got / ideal:.0%} of it)"
                )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (server + client, one process): {peak:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
