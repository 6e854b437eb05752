"""What a finding's coverage counts, in words: the landing page's and Part IV's one phrasing.

A finding's ``coverage`` (:mod:`analysis.publication.findings`) has two counts, ``covered``
and ``population``, that are different quantities: Part I's commit measures cover the listed
model repositories that have commit histories (1,010 of the real import's 760,000), while
Part II's network covers the model repositories of the commit source with a named commit
author (1,031, some of which the listing no longer has). :func:`covers` says which is which,
so that no page puts two such numbers side by side without naming them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _commits(listed: bool) -> tuple[str, bool]:
    if listed:
        return "model repositories with commit histories", True
    return "model repositories, listed or not, with a named commit author in the commit data", False


#: What ``covered`` counts, by finding key or key prefix (the longest that matches wins):
#: ``(noun, within)``; ``within`` says the covered repositories are among the listed ones.
COUNTED: dict[str, tuple[str, bool]] = {
    "activity.models": ("model repositories", True),
    "activity.models_single_commit_author_pct": _commits(listed=True),
    "activity.license_effect": _commits(listed=True),
    "activity.datasets": ("dataset repositories", True),
    "activity.spaces": ("space repositories", True),
    "activity.top1pct_downloads": ("model repositories", True),
    "network.": _commits(listed=False),
    "adoption.": ("models whose use in spaces is known", True),
}
#: What ``population`` counts, by the same keys (the listing the part measures against).
LISTED = {"activity.datasets": "dataset repositories", "activity.spaces": "space repositories"}


def _lookup(table: Mapping[str, Any], key: str, default: Any) -> Any:
    hits = [k for k in table if key.startswith(k)]
    return table[max(hits, key=len)] if hits else default


def covers(key: str, coverage: Mapping[str, Any]) -> str:
    """What a finding covers, each count named, with its coverage scope: ``all 760,000 listed model
    repositories; coverage: all``, ``1,010 model repositories with commit histories, of the 760,000
    listed; coverage: subset``, or, where the covered ones need not be listed, ``1,031 model
    repositories, listed or not, with a named commit author in the commit data, beside the listing's
    760,000 model repositories; coverage: subset``."""
    c, pop, scope = coverage.get("covered"), coverage.get("population"), coverage.get("scope")
    if c is None:
        return f"coverage: {scope}"
    noun, within = _lookup(COUNTED, key, ("repositories", True))
    listed = _lookup(LISTED, key, "model repositories")
    if pop is None:
        text = f"{c:,} {noun}"
    elif noun == listed and c == pop:
        text = f"all {pop:,} listed {noun}"
    elif within:
        text = f"{c:,} {noun}, of the {pop:,} listed"
    else:
        text = f"{c:,} {noun}, beside the listing's {pop:,} {listed}"
    return f"{text}; coverage: {scope}"
