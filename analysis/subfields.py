"""Subfields by task tag, exactly the authors' lists (see the book's Data and methods).

A model belongs to a subfield if any of its tags (or its ``pipeline_tag``) is
listed; a model may belong to several subfields.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SUBFIELD_TAGS: dict[str, tuple[str, ...]] = {
    "computer vision": (
        "computer-vision",
        "depth-estimation",
        "image-classification",
        "object-detection",
        "image-segmentation",
        "image-to-image",
        "unconditional-image-generation",
        "video-classification",
        "zero-shot-image-classification",
    ),
    "NLP": (
        "text-classification",
        "token-classification",
        "table-question-answering",
        "question-answering",
        "zero-shot-classification",
        "translation",
        "summarization",
        "conversational",
        "text-generation",
        "text2text-generation",
        "fill-mask",
        "sentence-similarity",
    ),
    "multimodal": (
        "multimodal",
        "feature-extraction",
        "text-to-image",
        "image-to-text",
        "text-to-video",
        "visual-question-answering",
        "document-question-answering",
        "graph-machine-learning",
    ),
}
SUBFIELDS: tuple[str, ...] = tuple(SUBFIELD_TAGS)


def subfield_mask(models: pd.DataFrame | pa.Table, subfield: str) -> np.ndarray:
    """Boolean mask: which rows of a models table (needs ``tags``; ``pipeline_tag`` used if present)."""
    if subfield not in SUBFIELD_TAGS:
        raise ValueError(f"unknown subfield {subfield!r}; expected one of {', '.join(SUBFIELDS)}")
    wanted = pa.array(SUBFIELD_TAGS[subfield], type=pa.string())
    table = (
        models
        if isinstance(models, pa.Table)
        else pa.Table.from_pandas(
            models[[c for c in ("tags", "pipeline_tag") if c in models.columns]], preserve_index=False
        )
    )
    tags = table.column("tags")
    n = table.num_rows
    if n == 0:
        return np.zeros(0, dtype=bool)
    tags = tags.combine_chunks() if isinstance(tags, pa.ChunkedArray) else tags
    tags = tags.cast(pa.list_(pa.string()))
    flat = pc.list_flatten(tags)
    parent = pc.list_parent_indices(tags).to_numpy()
    hit = pc.is_in(flat, value_set=wanted).to_numpy(zero_copy_only=False)
    mask = np.zeros(n, dtype=bool)
    if len(parent):
        mask[parent[hit]] = True
    if "pipeline_tag" in table.column_names:
        pt = pc.is_in(table.column("pipeline_tag"), value_set=wanted)
        mask |= pc.fill_null(pt, False).to_numpy(zero_copy_only=False)
    return mask


def subfields_of(models: pd.DataFrame | pa.Table) -> pd.DataFrame:
    """One boolean column per subfield."""
    return pd.DataFrame({s: subfield_mask(models, s) for s in SUBFIELDS})
