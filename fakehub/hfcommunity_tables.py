"""HFCommunity's tables as the test double writes them, table by table and column by column,
per schema version (:data:`TABLES`): v1.0 from the database diagram
``docs/resources/figs/databaseDiagram-v1.0.png`` of SOM-Research/HFCommunity, v1.1 from its
extractor's ``create_schema_mysql`` (``extractor/databaseImport.py``). Read in HFCommunity's
repository; no code of it is used. :mod:`fakehub.hfcommunity_dump` writes a snapshot into them."""

from __future__ import annotations

# (columns with their SQL types, primary key, keys (foreign keys and uniques: name, columns, unique))
Spec = tuple[list[tuple[str, str]], list[str], list[tuple[str, list[str], bool]]]

_AUTHOR: Spec = (
    [
        ("username", "varchar(256)"),
        ("avatar_url", "text"),
        ("is_pro", "int(11)"),
        ("fullname", "text"),
        ("type", "varchar(64)"),
        ("source", "varchar(256)"),
    ],
    ["username"],
    [],
)
_TAG: Spec = ([("name", "varchar(256)")], ["name"], [])
_TAGS_IN_REPO: Spec = (
    [("tag_name", "varchar(256)"), ("repo_id", "varchar(256)")],
    ["tag_name", "repo_id"],
    [("repo_id", ["repo_id"], False)],
)
_COMMIT_PARENTS: Spec = (
    [("commit_sha", "varchar(256)"), ("parent_sha", "varchar(256)")],
    ["commit_sha", "parent_sha"],
    [("parent_sha", ["parent_sha"], False)],
)
_EVENT_V11 = [
    ("id", "varchar(256)"),
    ("repo_id", "varchar(256)"),
    ("discussion_num", "int(11)"),
    ("event_type", "varchar(64)"),
    ("created_at", "datetime"),
    ("author", "varchar(256)"),
    ("content", "text"),
    ("edited", "int(11)"),
    ("hidden", "int(11)"),
    ("new_status", "text"),
    ("summary", "text"),
    ("sha", "varchar(256)"),
    ("old_title", "text"),
    ("new_title", "text"),
    ("full_data", "longtext"),
]

TABLES: dict[str, dict[str, Spec]] = {
    # the v1.0 database diagram, table by table
    "1.0": {
        "author": _AUTHOR,
        "commit_parents": _COMMIT_PARENTS,
        "commits": (
            [
                ("sha", "varchar(256)"),
                ("timestamp", "datetime"),
                ("message", "text"),
                ("author", "varchar(256)"),
                ("source", "varchar(64)"),
                ("ts", "datetime"),
            ],
            ["sha"],
            [("author", ["author"], False)],
        ),
        "dataset": (
            [
                ("dataset_id", "varchar(256)"),
                ("description", "text"),
                ("citation", "text"),
                ("paperswithcode_id", "text"),
                ("downloads", "int(11)"),
            ],
            ["dataset_id"],
            [],
        ),
        "discussion": (
            [
                ("num", "int(11)"),
                ("repo_id", "varchar(256)"),
                ("author", "varchar(256)"),
                ("title", "text"),
                ("status", "text"),
                ("created_at", "text"),
                ("is_pull_request", "int(11)"),
            ],
            ["num", "repo_id"],
            [("repo_id", ["repo_id"], False), ("author", ["author"], False)],
        ),
        "discussion_event": (
            [(c.replace("event_type", "type"), "text" if c == "created_at" else t) for c, t in _EVENT_V11],
            ["id"],
            [("author", ["author"], False), ("discussion_num", ["discussion_num", "repo_id"], False)],
        ),
        "file": (
            [("id", "int(11) NOT NULL AUTO_INCREMENT"), ("filename", "varchar(500)"), ("repo_id", "varchar(256)")],
            ["id"],
            [("filename", ["filename", "repo_id"], True), ("repo_id", ["repo_id"], False)],
        ),
        "files_in_commit": (
            [("sha", "varchar(256)"), ("file_id", "int(11)")],
            ["sha", "file_id"],
            [("file_id", ["file_id"], False)],
        ),
        "model": (
            [
                ("model_id", "varchar(256)"),
                ("pipeline_tag", "text"),
                ("downloads", "int(11)"),
                ("library_name", "text"),
                ("config", "longtext"),
            ],
            ["model_id"],
            [],
        ),
        "repository": (
            [
                ("id", "varchar(256)"),
                ("name", "mediumtext"),
                ("type", "varchar(7)"),
                ("author", "varchar(256)"),
                ("sha", "mediumtext"),
                ("last_modified", "mediumtext"),
                ("private", "int(11)"),
                ("card_data", "longtext"),
                ("gated", "int(11)"),
                ("likes", "int(11)"),
            ],
            ["id"],
            [("author", ["author"], False)],
        ),
        "tag": _TAG,
        "tags_in_repo": _TAGS_IN_REPO,
    },
    # the extractor's create_schema_mysql since late November 2023, table by table
    "1.1": {
        "author": _AUTHOR,
        "commit_parents": _COMMIT_PARENTS,
        "commits": (
            [
                ("sha", "varchar(256)"),
                ("repo_id", "varchar(256)"),
                ("message", "longtext"),
                ("author_date", "datetime"),
                ("author_tz", "int(11)"),
                ("committer_date", "datetime"),
                ("committer_tz", "int(11)"),
                ("in_main_branch", "int(11)"),
                ("insertions", "int(11)"),
                ("deletions", "int(11)"),
                ("author_name", "varchar(256)"),
                ("committer_name", "varchar(256)"),
                ("source", "varchar(32)"),
            ],
            ["sha"],
            [
                ("author_name", ["author_name"], False),
                ("repo_id", ["repo_id"], False),
                ("committer_name", ["committer_name"], False),
            ],
        ),
        "conflicting_files_discussion": (
            [
                ("id", "int(11) NOT NULL AUTO_INCREMENT"),
                ("num", "int(11)"),
                ("repo_id", "varchar(256)"),
                ("filename", "text"),
                ("repo_file_id", "char(64)"),
            ],
            ["id"],
            [("repo_id", ["repo_id"], False), ("num", ["num", "repo_id"], False)],
        ),
        "dataset": (
            [
                ("dataset_id", "varchar(256)"),
                ("description", "longtext"),
                ("citation", "text"),
                ("paperswithcode_id", "text"),
                ("downloads", "int(11)"),
            ],
            ["dataset_id"],
            [],
        ),
        "datasets_in_space": (
            [("dataset_id", "varchar(256)"), ("space_id", "varchar(256)")],
            ["dataset_id", "space_id"],
            [("space_id", ["space_id"], False)],
        ),
        "discussion": (
            [
                ("num", "int(11)"),
                ("repo_id", "varchar(256)"),
                ("author", "varchar(256)"),
                ("title", "text"),
                ("status", "text"),
                ("created_at", "datetime"),
                ("is_pull_request", "int(11)"),
                ("target_branch", "varchar(64)"),
                ("merge_commit_oid", "varchar(256)"),
                ("diff", "longtext"),
                ("git_reference", "text"),
            ],
            ["num", "repo_id"],
            [
                ("repo_id", ["repo_id"], False),
                ("author", ["author"], False),
                ("merge_commit_oid", ["merge_commit_oid"], False),
            ],
        ),
        "discussion_event": (
            _EVENT_V11,
            ["id"],
            [
                ("sha", ["sha"], False),
                ("author", ["author"], False),
                ("discussion_num", ["discussion_num", "repo_id"], False),
            ],
        ),
        "files_in_commit": (
            [("sha", "varchar(256)"), ("modified_file_id", "char(64)")],
            ["sha", "modified_file_id"],
            [("modified_file_id", ["modified_file_id"], False)],
        ),
        "model": (
            [
                ("model_id", "varchar(256)"),
                ("pipeline_tag", "text"),
                ("downloads", "int(11)"),
                ("library_name", "text"),
                ("likes", "int(11)"),
                ("config", "longtext"),
            ],
            ["model_id"],
            [],
        ),
        "models_in_space": (
            [("model_id", "varchar(256)"), ("space_id", "varchar(256)")],
            ["model_id", "space_id"],
            [("space_id", ["space_id"], False)],
        ),
        "modified_file": (
            [
                ("modified_file_id", "char(64)"),
                ("repo_file_id", "char(64)"),
                ("rfilename", "text"),
                ("old_path", "varchar(256)"),
                ("new_path", "varchar(256)"),
                ("change_type", "varchar(32)"),
                ("diff", "longtext"),
                ("added_lines", "int(11)"),
                ("deleted_lines", "int(11)"),
                ("nloc", "int(11)"),
            ],
            ["modified_file_id"],
            [("repo_file_id", ["repo_file_id"], False)],
        ),
        "repo_file": (
            [
                ("id", "char(64)"),
                ("filename", "text"),
                ("repo_id", "varchar(256)"),
                ("size", "bigint(20)"),
                ("blob_id", "varchar(256)"),
                ("lfs_size", "bigint(20)"),
                ("lfs_sha", "varchar(256)"),
                ("lfs_pointer_size", "bigint(20)"),
            ],
            ["id"],
            [("repo_id", ["repo_id"], False)],
        ),
        "repository": (
            [
                ("id", "varchar(256)"),
                ("name", "text"),
                ("type", "varchar(7)"),
                ("author", "varchar(256)"),
                ("sha", "text"),
                ("last_modified", "datetime"),
                ("private", "int(11)"),
                ("card_data", "longtext"),
                ("gated", "int(11)"),
                ("likes", "int(11)"),
                ("disabled", "int(11)"),
            ],
            ["id"],
            [("author", ["author"], False)],
        ),
        "space": (
            [
                ("space_id", "varchar(256)"),
                ("sdk", "varchar(128)"),
                ("stage", "varchar(32)"),
                ("hardware", "varchar(32)"),
                ("requested_hw", "varchar(32)"),
                ("sleep_time", "int(11)"),
                ("storage", "varchar(32)"),
                ("runtime_raw", "text"),
            ],
            ["space_id"],
            [],
        ),
        "tag": _TAG,
        "tags_in_repo": _TAGS_IN_REPO,
    },
}
