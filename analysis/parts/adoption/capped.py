"""Part III's capped fields: usage counts that pile up at a round maximum, the signature of an API
field or listing that stops at a limit, flagged in captions and in the top-models table."""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.parts.adoption.usage import Adoption

#: A count is "round" when it is 1, 2 or 5 times a power of ten, at least this.
ROUND_MIN = 50


def is_round(n: int) -> bool:
    """``n`` is 1, 2 or 5 times a power of ten and at least :data:`ROUND_MIN` (50, 100, 200, 500, 1,000...)."""
    if n < ROUND_MIN:
        return False
    while n % 10 == 0:
        n //= 10
    return n in (1, 2, 5)


def caps(a: Adoption) -> list[dict[str, Any]]:
    """Signs that the usage data come from a capped API field (the Hub's model_info lists at most a
    fixed number of spaces per model; a listing stops at a page limit), as the book flags a
    selection: ``[{"what", "cap", "count", "text"}]``, empty when there is none.

    - spaces per model: the largest count is round and two or more models have exactly it (a count
      that piles up at its maximum);
    - distinct spaces: the number of distinct spaces in the edges is round (1,000 exactly)."""
    out: list[dict[str, Any]] = []
    counts = a.covered_counts()
    if counts.size and counts.max() > 0:
        top = int(counts.max())
        at = int((counts == top).sum())
        if is_round(top) and at >= 2:
            out.append(
                {
                    "what": "spaces per model",
                    "cap": top,
                    "count": at,
                    "text": f"{at:,} models have exactly {top:,} spaces, the largest count: the spaces field of a "
                    f"model looks capped at {top:,}, so the most-used models' counts are lower bounds and the "
                    "concentration of use is understated",
                }
            )
    if a.spaces_in_edges and is_round(a.spaces_in_edges) and a.spaces_in_edges >= 1000:
        out.append(
            {
                "what": "distinct spaces",
                "cap": int(a.spaces_in_edges),
                "count": int(a.spaces_in_edges),
                "text": f"the edges hold exactly {a.spaces_in_edges:,} distinct spaces: a round total, the signature "
                "of a capped listing rather than of the Hub",
            }
        )
    return out


def cap_note(a: Adoption) -> str:
    """The caption's sentence on capped fields (empty when there is no sign of one)."""
    found = caps(a)
    if not found:
        return ""
    return "Possibly capped data: " + "; ".join(c["text"] for c in found) + "."


def flag_capped(top: pd.DataFrame, a: Adoption) -> pd.DataFrame:
    """``top`` (:func:`top_models`) with a column ``at a possible cap``: yes where a model's number of
    spaces is the value its field looks capped at (see :func:`caps`)."""
    cap = next((c["cap"] for c in caps(a) if c["what"] == "spaces per model"), None)
    out = top.copy()
    out["at a possible cap"] = ["yes" if cap is not None and int(n) == cap else "no" for n in out["spaces"]]
    return out
