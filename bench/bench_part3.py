"""Benchmark: the Part III notebook (model adoption in spaces) at Hub scale.

Target (issue 6): on a synthetic snapshot with 3,000,000 models, 800,000 spaces
and 2,000,000 space-model edges, ``book/part3_adoption.ipynb`` executes under
papermill in under 3 minutes with peak memory under 6 GB.

The snapshot is written by a quick generator here that writes only what Part
III reads (models with owner/tags/task/downloads/likes, a complete spaces
listing, heavy-tailed space-model edges, step coverage for every space, a few
recorded owner kinds), so the benchmark stays light on a shared machine. With
``--synth`` it uses ``analysis.synth.generate`` instead (every table; slower).

Usage: ``.venv/bin/python bench/bench_part3.py [--models N --spaces N --edges N]
[--workdir DIR] [--keep] [--synth]``. Prints generation and notebook figures:
wall time, and peak RSS of the notebook's kernel (``getrusage`` of children)
and of the whole process tree (sampled with psutil).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis import paths  # noqa: E402
from analysis.snapshot import SnapshotWriter  # noqa: E402

NOTEBOOK = paths.BOOK / "part3_adoption.ipynb"
TASKS = ["text-generation", "text-classification", "image-classification", "text-to-image",
         "feature-extraction", "fill-mask", "automatic-speech-recognition", "object-detection",
         "sentence-similarity", "reinforcement-learning", None]
TASK_P = [0.25, 0.12, 0.08, 0.08, 0.06, 0.05, 0.05, 0.03, 0.03, 0.05, 0.20]
KNOWN = ["google", "facebook", "microsoft", "openai", "stabilityai", "runwayml", "CompVis",
         "meta-llama", "mistralai", "EleutherAI"]


def _ids(prefix: str, idx: np.ndarray, sep: str) -> list[str]:
    return [f"{prefix}{i}{sep}" for i in idx.tolist()]


def generate_quick(out: Path, models: int, spaces: int, edges: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    n_owners = max(10, models // 10)
    owner = np.minimum((rng.pareto(1.1, models) * 3).astype(np.int64), n_owners - 1)
    owner_names = np.array([f"owner{i}" for i in range(n_owners)], dtype=object)
    owner_names[: len(KNOWN)] = KNOWN
    legacy = np.zeros(models, dtype=bool)
    legacy[rng.choice(models, size=min(2000, models // 100), replace=False)] = True
    own = owner_names[owner]
    ids = np.array([f"{o}/model-{i}" for o, i in zip(own.tolist(), range(models))], dtype=object)
    ids[legacy] = np.array([f"legacy-model-{i}" for i in np.flatnonzero(legacy)], dtype=object)
    own_arr = pa.array(np.where(legacy, None, own).tolist(), type=pa.string())
    task_idx = rng.choice(len(TASKS), size=models, p=TASK_P)
    task_vocab = pa.array(TASKS, type=pa.string())
    pipeline = task_vocab.take(pa.array(task_idx))
    # tags: [task or "transformers", "license:mit"]
    first = pc_fill(pipeline, "transformers")
    inter = np.empty(2 * models, dtype=object)
    inter[0::2] = np.asarray(first.to_pylist(), dtype=object)
    inter[1::2] = "license:mit"
    values = pa.array(inter.tolist(), type=pa.string())
    tags = pa.ListArray.from_arrays(pa.array(np.arange(0, 2 * models + 1, 2, dtype=np.int32)), values)
    downloads = np.floor(rng.pareto(0.9, models) * 3).astype(np.int64)
    downloads[rng.random(models) < 0.7] = 0
    likes = np.floor(rng.pareto(1.3, models)).astype(np.int64)
    w = SnapshotWriter(out, out.name, snapshot_date="2024-07-11", source_kind="synthetic",
                       source_parameters={"generator": "bench_part3.generate_quick", "models": models,
                                          "spaces": spaces, "edges": edges, "seed": seed})
    w.write_table("models", pa.table({
        "id": pa.array(ids.tolist(), type=pa.string()), "owner": own_arr,
        "name": pa.array([s.split("/")[-1] for s in ids.tolist()], type=pa.string()),
        "tags": tags, "pipeline_tag": pipeline, "downloads": downloads, "likes": likes}))
    del ids, own, inter, values, tags
    space_ids = pa.array([f"user{i % 50_000}/space-{i}" for i in range(spaces)], type=pa.string())
    w.write_table("spaces", pa.table({"id": space_ids,
                                      "name": pa.array([f"space-{i}" for i in range(spaces)])}))
    # edges: heavy-tailed on both ends; a permutation spreads popular models over owners
    key = np.zeros(0, dtype=np.int64)
    for _ in range(20):  # draw until there are enough distinct edges
        draw = int((edges - key.size) * 1.3) + 1000
        m = (rng.zipf(1.35, draw) - 1) % models
        s = np.minimum((rng.pareto(1.5, draw) * spaces / 20).astype(np.int64), spaces - 1)
        key = np.unique(np.concatenate([key, s * models + m]))
        if key.size >= edges:
            break
    # permutations spread popular models over owners and busy spaces over the listing
    pm, ps = rng.permutation(models), rng.permutation(spaces)
    key = ps[key // models] * models + pm[key % models]
    key = rng.permutation(key)[:edges]
    key.sort()
    e_s, e_m = key // models, key % models
    names = [f"{o}/model-{i}" if not legacy[i] else f"legacy-model-{i}"
             for o, i in zip(owner_names[owner[e_m]].tolist(), e_m.tolist())]
    # a few edges (0.1%) point to models absent from the models table
    for j in np.flatnonzero(rng.random(e_m.size) < 0.001).tolist():
        names[j] = f"deleted/model-{j}"
    model_ids = pa.array(names, type=pa.string())
    del names
    w.write_table("space_models", pa.table({"space_id": space_ids.take(pa.array(e_s)), "model_id": model_ids}))
    counts = np.bincount(e_s, minlength=spaces)
    w.write_table("repo_coverage", pa.table({
        "repo_type": pa.array(["space"] * spaces), "repo_id": space_ids,
        "step": pa.array(["space_models"] * spaces), "items": counts.astype(np.int64)}))
    rec = owner_names[len(KNOWN): len(KNOWN) + 500].tolist()
    w.write_table("owners", pa.table({"owner": pa.array(["google"] + rec),
                                      "kind": pa.array(["organization"] + ["user"] * len(rec))}))
    w.finish({
        "models": {"scope": "all", "rows": models},
        "spaces": {"scope": "all", "rows": spaces},
        "space_models": {"scope": "all", "rows": int(e_s.size), "note": "benchmark edges"},
        "repo_coverage": {"scope": "all"},
        "owners": {"scope": "subset"},
    })
    return {"seconds": time.perf_counter() - t0, "edges": int(e_s.size)}


def pc_fill(arr: pa.Array, value: str) -> pa.Array:
    import pyarrow.compute as pc

    return pc.fill_null(arr, value)


def generate_synth(out: Path, models: int, spaces: int, edges: int) -> dict:
    from analysis import synth

    t0 = time.perf_counter()
    synth.generate(out, models=models, spaces=spaces, space_edges=edges)
    return {"seconds": time.perf_counter() - t0, "edges": edges}


class TreePeak:
    """Samples the RSS of this process and its descendants (psutil) every 0.2 s."""

    def __init__(self):
        import psutil

        self.proc = psutil.Process()
        self.peak = 0  # this process and its descendants
        self.children_peak = 0  # descendants only (the notebook's kernel)
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        import psutil

        while not self._stop.is_set():
            own = self.proc.memory_info().rss
            kids = 0
            for p in self.proc.children(recursive=True):
                try:
                    kids += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, own + kids)
            self.children_peak = max(self.children_peak, kids)
            self._stop.wait(0.2)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join(timeout=5)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=int, default=3_000_000)
    ap.add_argument("--spaces", type=int, default=800_000)
    ap.add_argument("--edges", type=int, default=2_000_000)
    ap.add_argument("--workdir", type=Path, default=None, help="where to write the snapshot and build (temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the snapshot and build")
    ap.add_argument("--synth", action="store_true", help="generate with analysis.synth.generate")
    ap.add_argument("--generate-only", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.generate_only:
        gen = (generate_synth if args.synth else generate_quick)(args.generate_only, args.models, args.spaces,
                                                                  args.edges)
        print(f"generated {args.generate_only.name}: {args.models:,} models, {args.spaces:,} spaces, "
              f"{gen['edges']:,} edges in {gen['seconds']:.1f} s", flush=True)
        return 0
    import subprocess

    import papermill

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-part3-"))
    work.mkdir(parents=True, exist_ok=True)
    snap_dir = work / f"bench-part3-{args.models}"
    try:
        if not (snap_dir / "manifest.json").exists():
            # in a child process, so that this process stays small while the notebook runs
            cmd = [sys.executable, __file__, "--generate-only", str(snap_dir), "--models", str(args.models),
                   "--spaces", str(args.spaces), "--edges", str(args.edges)] + (["--synth"] if args.synth else [])
            if subprocess.run(cmd).returncode:
                print("error: generating the benchmark snapshot failed", file=sys.stderr)
                return 2
        else:
            print(f"reusing {snap_dir}")
        t0 = time.perf_counter()
        with TreePeak() as tree:
            papermill.execute_notebook(
                str(NOTEBOOK), str(work / "part3_adoption.ipynb"),
                parameters=dict(snapshot_dir=str(snap_dir), output_dir=str(work / "build")),
                kernel_name="python3", cwd=str(work), progress_bar=False)
        wall = time.perf_counter() - t0
        # largest terminated child (the kernel, or the generator when it ran here), KiB -> GiB
        child_max = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024 ** 2
        gib = 1024 ** 3
        ok_t, ok_m = wall < 180, tree.peak / gib < 6
        print(f"part3 notebook: wall {wall:.1f} s (target < 180 s: {'ok' if ok_t else 'FAIL'}); "
              f"peak RSS sampled every 0.2 s: kernel {tree.children_peak / gib:.2f} GiB, with papermill "
              f"{tree.peak / gib:.2f} GiB (target < 6 GB: {'ok' if ok_m else 'FAIL'}); "
              f"getrusage max of children {child_max:.2f} GiB")
        return 0 if ok_t and ok_m else 1
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
