"""Part III's co-usage (an extension beyond the paper): the model-model projection of the space-model
graph, its most frequent pairs and the sentences on them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis import stats
from analysis.parts.adoption.ranking import _rank
from analysis.parts.adoption.usage import Adoption, _fmt_pct

#: Spaces using more models than this are left out of the pair counts of co-usage
#: (their pairs grow quadratically); they are counted and reported.
DEFAULT_PAIR_CAP = 50


def co_usage(a: Adoption, top: int = 20, cap: int = DEFAULT_PAIR_CAP) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Model-model projection of the space-model graph (in-scope edges only).

    Returns the ``top`` most frequent pairs (``model_a < model_b`` by id;
    ties broken by the pair's ids) with the number of spaces using both, each
    model's number of spaces and the Jaccard index, and a dict of summary
    figures: spaces with at least one covered model, how many use more than
    one, and how many were left out of the pair counts for using more than
    ``cap`` models.
    """
    import scipy.sparse as sps

    k = np.bincount(a.edge_space, minlength=len(a.space_ids)) if a.edge_space.size else np.zeros(0, np.int64)
    with_any = int((k > 0).sum())
    multi = int((k > 1).sum())
    capped = int((k > cap).sum())
    info = {
        "spaces_with_covered_model": with_any,
        "spaces_multi": multi,
        "spaces_multi_pct": stats.percent(multi, with_any),
        "spaces_over_cap": capped,
        "cap": cap,
        "pairs_distinct": 0,
    }
    empty = pd.DataFrame(
        {
            "model_a": pd.Series([], dtype=object),
            "model_b": pd.Series([], dtype=object),
            "spaces_together": pd.Series([], dtype="int64"),
            "spaces_a": pd.Series([], dtype="int64"),
            "spaces_b": pd.Series([], dtype="int64"),
            "jaccard": pd.Series([], dtype=float),
        }
    )
    if multi == 0:
        return empty, info
    keep = (k[a.edge_space] > 1) & (k[a.edge_space] <= cap)
    es, em = a.edge_space[keep], a.edge_model[keep]
    if es.size == 0:
        return empty, info
    su, s_loc = np.unique(es, return_inverse=True)
    mu, m_loc = np.unique(em, return_inverse=True)
    mat = sps.csr_matrix((np.ones(es.size, dtype=np.int32), (s_loc, m_loc)), shape=(su.size, mu.size))
    co = sps.triu(mat.T.tocsr() @ mat, k=1).tocoo()
    del mat
    info["pairs_distinct"] = int(co.nnz)
    if co.nnz == 0:
        return empty, info
    cnt = co.data.astype(np.int64)
    if cnt.size > top:
        cut = np.partition(cnt, cnt.size - top)[cnt.size - top]
        sel = cnt >= cut
    else:
        sel = np.ones(cnt.size, dtype=bool)
    ra, rb, c = mu[co.row[sel]], mu[co.col[sel]], cnt[sel]
    ids_a = a.model_ids.take(pa.array(ra)).to_numpy(zero_copy_only=False)
    ids_b = a.model_ids.take(pa.array(rb)).to_numpy(zero_copy_only=False)
    swap = ids_a > ids_b  # each pair in id order
    lo, hi = np.where(swap, ids_b, ids_a), np.where(swap, ids_a, ids_b)
    r_lo, r_hi = np.where(swap, rb, ra), np.where(swap, ra, rb)
    order = np.lexsort((hi, lo, -c))[:top]
    na, nb = a.spaces_per_model[r_lo[order]], a.spaces_per_model[r_hi[order]]
    cc = c[order]
    df = pd.DataFrame(
        {
            "model_a": lo[order],
            "model_b": hi[order],
            "spaces_together": cc,
            "spaces_a": na,
            "spaces_b": nb,
            "jaccard": np.round(cc / (na + nb - cc), 4),
        }
    )
    df.insert(0, "rank", _rank(cc))
    return df, info


def co_usage_sentences(a: Adoption, info: dict[str, Any]) -> str:
    """Sentences on co-usage (with the coverage caveat where model coverage is partial)."""
    if not info["spaces_with_covered_model"]:
        return "No space uses a covered model, so there is no co-usage to report."
    text = (
        f"Of the {info['spaces_with_covered_model']:,} spaces that use at least one covered model, "
        f"{info['spaces_multi']:,} ({_fmt_pct(info['spaces_multi_pct'])}) use more than one; "
        f"together they link {info['pairs_distinct']:,} distinct pair(s) of models."
    )
    if info["spaces_over_cap"]:
        text += (
            f" {info['spaces_over_cap']:,} space(s) using more than {info['cap']:,} models are left out "
            "of the pair counts (their pairs grow quadratically) but counted above."
        )
    if a.model_coverage != "all":
        text += (
            " Only uses of covered models are known here, so spaces may use more models than "
            "counted, and these shares are lower bounds."
        )
    return text
