"""One owner of the Hub's record format (analysis.sources.hubapi): the round trips.

A synthetic snapshot is served by the fake Hub and collected back, and the same records are
written as JSON Lines (in the API's shapes, by hubapi) and imported: both give the original.
What the API cannot say back, and so is normalised before comparing:
- rows are compared sorted by their table's key;
- ``tags`` gain ``license:<license>`` where the source had a license but no such tag (on the
  Hub the license is a tag);
- the collected ``spaces.gated`` is null (the spaces listing has no ``gated`` to expand).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from analysis.snapshot import open_snapshot
from analysis.snapshot.schema import REPO_TABLES, SCHEMAS, UNIQUE_KEYS
from analysis.sources import collector, hubapi, synth
from analysis.sources.importer import import_records
from fakehub.server import FakeHub

pytestmark = pytest.mark.timeout(300)

DATA_TABLES = ("models", "datasets", "spaces", "commits", "discussions", "space_models")


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    return synth.generate(tmp_path_factory.mktemp("rt") / "synth", models=150, seed=11)


def _normalised(snap, table: str, *, null_space_gated: bool = False) -> pd.DataFrame:
    df = snap.table(table)
    if table == "spaces" and null_space_gated:
        df["gated"] = pd.Series(pd.NA, index=df.index, dtype=df["gated"].dtype)
    if table in REPO_TABLES.values():
        rows = df[["tags", "license"]].to_dict("records")
        for r in rows:
            r["tags"] = None if r["tags"] is None else list(r["tags"])
        df["tags"] = [hubapi.api_field(r, "tags", "model") for r in rows]
    df = df.sort_values(list(UNIQUE_KEYS[table]), kind="stable").reset_index(drop=True)
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = [tuple(v) if v is not None and not isinstance(v, str) else v for v in df[c]]
    return df


def _assert_same(original, got, **kw) -> None:
    for t in DATA_TABLES:
        assert got.rows(t) == original.rows(t), t
        pd.testing.assert_frame_equal(
            _normalised(original, t, **kw), _normalised(got, t, **kw), check_dtype=True, obj=t
        )


def test_served_by_the_fake_hub_and_collected_equals_the_original(original, tmp_path, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    assert original.rows("models") == 150 and original.rows("commits") > 0 and original.rows("discussions") > 0
    with FakeHub(original, page_size=40, commit_page_size=7, discussion_page_size=3) as hub:
        rc = collector.main(
            ["--snapshot-id", "rt", "--out", str(tmp_path / "rt"), "--endpoint", hub.endpoint, "--no-progress"]
        )
    assert rc == 0
    got = open_snapshot(tmp_path / "rt")
    _assert_same(original, got, null_space_gated=True)


def write_api_records(snap, folder: Path) -> Path:
    """The snapshot's records as the Hub's API gives them, one JSON Lines file per record kind
    (every field of :data:`hubapi.REPO_FIELDS`; spaces with ``models``; commits and discussions
    with their ``repo_type`` and ``repo_id``)."""
    folder.mkdir(parents=True)
    edges = snap.table("space_models").groupby("space_id").model_id.apply(list).to_dict()
    for rtype, table in REPO_TABLES.items():
        with open(folder / f"{table}.jsonl", "w", encoding="utf-8") as fh:
            for row in snap.arrow(table).to_pylist():
                rec = hubapi.api_repo(row, rtype, hubapi.REPO_FIELDS)
                if rtype == "space" and row["id"] in edges:
                    rec["models"] = edges[row["id"]]
                fh.write(json.dumps(rec) + "\n")
    for table, to_api in (("commits", hubapi.api_commit), ("discussions", hubapi.api_discussion)):
        with open(folder / f"{table}.jsonl", "w", encoding="utf-8") as fh:
            for row in snap.arrow(table).to_pylist():
                fh.write(json.dumps({"repo_type": row["repo_type"], "repo_id": row["repo_id"], **to_api(row)}) + "\n")
    return folder


def test_written_as_json_lines_and_imported_equals_the_original(original, tmp_path):
    src = write_api_records(original, tmp_path / "records")
    got = import_records([src], tmp_path / "imported", progress=False)
    assert got.rows("fetch_log") == 0
    _assert_same(original, got)  # spaces.gated included: the records carry it


def test_one_field_list_for_every_direction():
    """The importer's parse schema, the collector's rows and the fake Hub's items share one field list."""
    repo_cols = {col for col, _ in hubapi.REPO_FIELDS.values()}
    assert repo_cols | {"owner", "name", "license"} == set(SCHEMAS["models"].names)
    for api, (col, typ) in hubapi.REPO_FIELDS.items():
        assert hubapi.JSON_SCHEMAS["models"].field(api).type == typ
        assert SCHEMAS["models"].field(col).type == typ
    for rtype, fields in hubapi.EXPAND.items():
        assert set(fields) <= set(hubapi.REPO_FIELDS), rtype
    row = hubapi.repo_row({"id": "o/m", "createdAt": "2024-01-02T03:04:05.678Z", "gated": False}, "model")
    back = pa.Table.from_pylist([row], schema=SCHEMAS["models"]).to_pylist()[0]
    assert hubapi.api_field(back, "createdAt", "model") == "2024-01-02T03:04:05.678Z"
    assert hubapi.api_field(back, "gated", "model") is False
