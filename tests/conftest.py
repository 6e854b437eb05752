"""Shared fixtures. Tests that need ../shared/data skip where it is absent."""

from __future__ import annotations

import pytest

from analysis import paths


@pytest.fixture(scope="session")
def shared_data():
    root = paths.shared_data()
    if not (root / "hub-2024-07").is_dir():
        pytest.skip(f"real Hub records not available at {root}")
    return root


@pytest.fixture
def build_root(tmp_path, monkeypatch):
    """An empty build root for the test (``HFHUB_BUILD_DIR``): its books are built there, not in the project."""
    root = tmp_path / "_build"
    monkeypatch.setenv("HFHUB_BUILD_DIR", str(root))
    return root
