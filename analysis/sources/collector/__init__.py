"""``python -m analysis collect``: collect a new snapshot from the Hugging Face Hub.

Usage (``make snapshot ARGS="..."`` runs the same)::

    # everything (listings of models, datasets, spaces; commits and discussions of every repository)
    python -m analysis collect --snapshot-id hub-2026-11-28

    # a seeded random sample of 2,000 repositories per type for the per-repository steps
    python -m analysis collect --snapshot-id hub-sample --select sample --n 2000 --seed 1

    # the 1,000 most downloaded models only, commits only
    python -m analysis collect --snapshot-id top-models --repo-types model --steps commits \\
        --select top-downloads --n 1000

    # against another endpoint (a mirror, or the local fake Hub: python -m analysis fakehub)
    python -m analysis collect --snapshot-id test --endpoint http://127.0.0.1:8123

What it does, in order (every step checkpointed, see "Resuming" below):

1. **Listings**: ``GET /api/models|datasets|spaces`` with ``expand`` for every field the
   analyses use, one request per page (the Hub's cursor pagination, ``Link: rel="next"``),
   never one request per repository. Space-to-model adoption edges come from the spaces
   listing (``expand=models``). ``--adoption model-info`` instead asks ``model_info`` once
   per (selected) model, as the paper's scripts did, to compare the two.
2. **Per-repository steps** (``--steps``) for the repositories chosen by ``--select``
   (per repository type: ``all``; ``sample``: a seeded random sample of ``--n``;
   ``top-downloads`` / ``top-likes``: the top ``--n``, ties broken by id; spaces have no
   downloads, so ``top-downloads`` ranks spaces by likes). ``commits``: every page of
   ``list_repo_commits`` (main branch) with the authors of each commit; ``discussions``:
   every page of ``get_repo_discussions`` (number, author, pull-request flag, status, date).
   Successes go to ``repo_coverage`` with their item counts, failures to ``fetch_log`` with
   an outcome (not_found_or_private, gated, rate_limited, server_error, network_error, ...).
3. **Owner kinds** (``--owner-kinds-top N``): organisation or user, for the owners of the N
   models used by the most spaces, one request per owner
   (``GET /api/organizations/{name}/overview``: found = organisation, 404 = user).

Authentication: the token comes ONLY from the environment (``HF_TOKEN``) or the
``huggingface_hub`` login (``hf auth login``); there is no option for it, and it is never
written to the snapshot, the checkpoint, the log or an error message. Without one the
collector runs anonymously, at the anonymous rate limits. The collector's HTTP transport only
talks to the endpoint's origin: any other request (``huggingface_hub`` makes a few of its own,
e.g. an agent-registry lookup at its default endpoint) is refused without touching the network,
so the token is never sent anywhere else.

Rate limits and faults: one layer of retries only. The collector installs its own HTTP
transport in ``huggingface_hub``'s shared ``httpx2`` client; the transport paces every
request (all threads share one token bucket: ``--max-rate``, lowered automatically to what
the Hub's ``RateLimit-Policy`` header allows), honours 429 (``RateLimit`` ``t=`` reset or
``Retry-After``: every worker pauses until then), backs off exponentially with jitter on
5xx/408 and dropped connections (``--max-retries``), and, when retries are exhausted, raises
an error that ``huggingface_hub``'s own ``http_backoff`` does not retry. So
``huggingface_hub`` (which retries 429/5xx up to 5 times in its paginated listings but not in
``model_info``/discussions) never sees a retryable response and the two layers never stack.

How long it takes: requests / allowed rate. The Hub allows 500 API requests per 5-minute
window anonymously, 1,000 with a free account and 2,500 with PRO
(https://huggingface.co/docs/hub/rate-limits; the ``RateLimit-Policy`` header says which).
The listings are cheap (about 3.5M repositories / 1,000 per page = 3,500 requests, about
20 minutes at 3.3 requests/s). Commits and discussions cost at least 2 requests per
repository: about 7M requests for the whole Hub, i.e. about 24 days with a free account. A
sample is the practical choice: ``--select sample --n 10000`` (per type, 3 types x 2 steps =
60,000 requests) takes about 5 hours at 3.3 requests/s; ``--concurrency`` only helps until
the rate limit is reached (concurrency >= rate x latency).

Resuming: progress is journaled (append-only JSON lines, one line per listing page and per
finished repository step, written whole and flushed; fsync'd every second and at every step
end) in the checkpoint directory (``data/checkpoints/<id>/`` by default; ``<out>.checkpoint``
beside a custom ``--out``). After an interruption, SIGKILL included, rerun the SAME command
(with an explicit ``--snapshot-id``/``--snapshot-date`` if it may be rerun on another day):
listings continue from their last cursor, finished repositories are not asked again, and the
finished snapshot is identical to an uninterrupted run (rows are de-duplicated by key and
sorted deterministically before the tables are written). The snapshot is marked complete
only at the very end; a complete snapshot id is never overwritten. A checkpoint made with
different content parameters is refused (delete it, or rerun with the same parameters).
A repository step that failed after all retries is recorded in ``fetch_log`` and is not asked
again, unless ``--retry-failed`` is given: then the failed repositories of each step are offered
once more at the end of the step, and on resume those that failed in earlier runs (so that a
transient outage is not a permanent gap). One run at a time: a second ``collect`` on the same
checkpoint or output folder stops at once with a one-line error naming the first one's process.
Ctrl-C stops the run within a few seconds (every wait ends at once; nothing half-done is
journaled); rerun the same command to resume. Every request is counted, a killed run's too
(the manifest's ``extra.collect`` has the requests, the retries by cause and the responses by
status). Owner kinds come from a positive answer: the organisation's overview, else the user's;
an owner that neither knows is a ``fetch_log`` failure, not a guessed "user".

Normalisation (what a collected snapshot says, compared with the Hub's JSON): timestamps are
UTC at millisecond precision; ``license`` is the first ``license:`` tag; ``gated`` false is
``"false"``; a discussion author that ``huggingface_hub`` reports as ``"deleted"`` (no author
in the API's record) is null; spaces have null downloads, and null ``gated`` (the spaces
listing has no ``gated`` to expand); ``owner`` is the part of the id before ``/`` (null for
legacy ids such as ``gpt2``).

The package: :mod:`.options` (command line, plan), :mod:`.transport` (pacing, retries, counters),
:mod:`.journal` (the checkpoint's journals), :mod:`.listing` (the listings and the selection),
:mod:`.tasks` (the per-repository steps and owner kinds), :mod:`.tables` (the snapshot's tables
and coverage), :mod:`.run` (the collection from checkpoint to snapshot, the entry point); the
record format is :mod:`analysis.sources.hubapi`.
"""

from __future__ import annotations

from analysis.sources.collector.journal import Journal
from analysis.sources.collector.options import CollectError, Options, parse_args
from analysis.sources.collector.run import Collector, main
from analysis.sources.collector.transport import (
    FetchFailure,
    HubSession,
    RateController,
    RetryPolicy,
    Stats,
    make_transport,
)

__all__ = [
    "CollectError",
    "Collector",
    "FetchFailure",
    "HubSession",
    "Journal",
    "Options",
    "RateController",
    "RetryPolicy",
    "Stats",
    "main",
    "make_transport",
    "parse_args",
]
