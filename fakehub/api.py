"""The Hub's API as the fake Hub speaks it: the ``expand`` fields each repository type accepts, the
fields answered by default, the sort keys, the error replies, and the query parameters (``expand``,
``p``, the listing cursor).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping

#: ``expand`` values the real Hub accepts, per repository type (huggingface_hub 2.4).
EXPANDABLE: dict[str, frozenset[str]] = {
    "model": frozenset(
        {
            "author",
            "baseModels",
            "cardData",
            "childrenModelCount",
            "config",
            "createdAt",
            "disabled",
            "downloads",
            "downloadsAllTime",
            "evalResults",
            "gated",
            "gguf",
            "inference",
            "inferenceProviderMapping",
            "lastModified",
            "library_name",
            "likes",
            "mask_token",
            "model-index",
            "pipeline_tag",
            "private",
            "resourceGroup",
            "safetensors",
            "sha",
            "siblings",
            "spaces",
            "tags",
            "transformersInfo",
            "trendingScore",
            "usedStorage",
            "widgetData",
        }
    ),
    "dataset": frozenset(
        {
            "author",
            "cardData",
            "citation",
            "createdAt",
            "description",
            "disabled",
            "downloads",
            "downloadsAllTime",
            "gated",
            "lastModified",
            "likes",
            "mainSize",
            "paperswithcode_id",
            "private",
            "resourceGroup",
            "sha",
            "siblings",
            "tags",
            "trendingScore",
            "usedStorage",
        }
    ),
    "space": frozenset(
        {
            "author",
            "cardData",
            "createdAt",
            "datasets",
            "disabled",
            "lastModified",
            "likes",
            "models",
            "private",
            "region",
            "resourceGroup",
            "runtime",
            "sdk",
            "sha",
            "siblings",
            "subdomain",
            "tags",
            "trendingScore",
            "usedStorage",
        }
    ),
}

#: Fields of a listing item without ``expand`` (as the real Hub answered in 2024).
LIST_DEFAULT: dict[str, tuple[str, ...]] = {
    "model": ("likes", "private", "downloads", "tags", "pipeline_tag", "library_name", "createdAt"),
    "dataset": (
        "author",
        "disabled",
        "gated",
        "lastModified",
        "likes",
        "private",
        "sha",
        "downloads",
        "tags",
        "createdAt",
    ),
    "space": ("likes", "private", "sdk", "tags", "createdAt"),
}
#: Fields of repository info without ``expand`` (and of listings with ``full``).
INFO_DEFAULT: dict[str, tuple[str, ...]] = {
    "model": (
        "author",
        "sha",
        "lastModified",
        "private",
        "disabled",
        "gated",
        "pipeline_tag",
        "library_name",
        "tags",
        "downloads",
        "likes",
        "spaces",
        "createdAt",
    ),
    "dataset": (
        "author",
        "sha",
        "lastModified",
        "private",
        "disabled",
        "gated",
        "tags",
        "downloads",
        "likes",
        "createdAt",
    ),
    "space": (
        "author",
        "sha",
        "lastModified",
        "private",
        "disabled",
        "gated",
        "tags",
        "likes",
        "sdk",
        "models",
        "createdAt",
    ),
}
_SORT_COLUMNS = {
    "downloads": "downloads",
    "likes": "likes",
    "createdAt": "created_at",
    "created_at": "created_at",
    "lastModified": "last_modified",
    "last_modified": "last_modified",
    "downloadsAllTime": "downloads_all_time",
    "trendingScore": "likes",
    "trending_score": "likes",
}
_PLURAL = {"models": "model", "datasets": "dataset", "spaces": "space"}


def _object_id(repo_type: str, repo_id: str) -> str:
    return hashlib.md5(f"{repo_type}/{repo_id}".encode()).hexdigest()[:24]


class _Reply(Exception):
    """Raised inside a handler to answer with an error."""

    def __init__(self, status: int, message: str, *, code: str | None = None, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})


class _Drop(Exception):
    """Close the connection without answering."""


class _Malformed(_Reply):
    """Answer 200 with a body that is not JSON."""

    def __init__(self) -> None:
        super().__init__(200, "malformed")


def _expand_params(query: list[tuple[str, str]]) -> list[str] | None:
    values = [v for k, v in query if k in ("expand", "expand[]")]
    if not values:
        return None
    out: list[str] = []
    for v in values:
        out.extend(x for x in v.split(",") if x)
    return out


def _fields_asked(rt: str, query: list[tuple[str, str]], default: tuple[str, ...]) -> tuple[str, ...]:
    """The API fields an answer holds: ``expand``'s (each checked as the Hub checks it), else ``default``."""
    expand = _expand_params(query)
    if expand is None:
        return default
    bad = [e for e in expand if e not in EXPANDABLE[rt]]
    if bad:
        allowed = ", ".join(f'"{e}"' for e in sorted(EXPANDABLE[rt]))
        raise _Reply(400, f'"expand" must be one of [{allowed}]; got {", ".join(bad)}')
    return tuple(dict.fromkeys(expand))


def _page_number(params: Mapping[str, str]) -> int:
    """The ``p`` (page) parameter of the commits and discussions endpoints."""
    try:
        p = int(params.get("p", "0"))
    except ValueError:
        raise _Reply(400, '"p" must be an integer') from None
    if p < 0:
        raise _Reply(400, '"p" must be >= 0')
    return p


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        offset = int(json.loads(raw)["o"])
    except (ValueError, KeyError, TypeError):
        raise _Reply(400, "invalid cursor") from None
    if offset < 0:
        raise _Reply(400, "invalid cursor")
    return offset
