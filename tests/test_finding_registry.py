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
