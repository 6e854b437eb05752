"""The ground floor's findings registry: a part declares its findings once, the writer collects them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis import finding


def test_entry_is_json_ready_and_checks_its_unit():
    e = finding.entry(
        "x.share",
        np.float64(12.5),
        "pct",
        quantity="a share",
        source="tab-x",
        coverage=finding.coverage("sample", np.int64(10), 100),
        ci=(np.float64(10.0), math.nan, "bootstrap"),
        parameters={"seed": np.int64(0)},
    )
    assert e["value"] == 12.5 and type(e["value"]) is float
    assert e["ci_low"] == 10.0 and e["ci_high"] is None
    assert e["coverage"] == {"scope": "sample", "covered": 10, "population": 100, "note": None}
    assert e["parameters"] == {"seed": 0} and type(e["parameters"]["seed"]) is int
    with pytest.raises(ValueError, match="unit 'percent'"):
        finding.entry("x", 1, "percent", quantity="q", source="s", coverage=finding.coverage(None, None, None))


def test_a_part_declares_its_findings_once_and_collect_calls_it():
    @finding.declares("test_part_once")
    def findings(n):
        return [finding.entry("t.n", n, "count", quantity="n", source="tab-t", coverage=finding.coverage("all", n, n))]

    assert finding.collect("test_part_once", 3)[0]["value"] == 3
    assert finding.declared()["test_part_once"].endswith("findings")

    with pytest.raises(ValueError, match="declared twice"):

        @finding.declares("test_part_once")
        def other(n):
            return []

    with pytest.raises(KeyError, match="no findings are declared for 'nowhere'"):
        finding.collect("nowhere")


def test_coverage_read_from_the_snapshot_manifest():
    class Snap:  # what the helpers read of a snapshot: its manifest's rows and coverage
        def rows(self, table):
            return {"models": 50, "commits": 400}[table]

        def coverage(self, table):
            return {"models": {"scope": "all"}, "commits": {"scope": "subset", "note": "weights only"}}[table]

    snap = Snap()
    assert finding.scope(snap, "commits") == "subset"
    assert finding.listing_coverage(snap, "models") == {"scope": "all", "covered": 50, "population": 50, "note": None}
    assert finding.table_coverage(snap, "commits", np.int64(7), 50) == {
        "scope": "subset",
        "covered": 7,
        "population": 50,
        "note": "weights only",
    }


def test_a_p_value_in_a_note_reads_as_on_every_page():
    assert finding.format_p(0.0) == f"< {finding.P_FLOOR:g}" == "< 0.001"
    assert finding.format_p(0.0031) == "= 0.0031" and finding.format_p(None) == "n/a"
