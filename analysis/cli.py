"""``python -m analysis <command>``: one entry point, one module per command.

Each command lives in its own module as ``main(argv: list[str]) -> int``; this
file only dispatches, so commands can be added without touching each other.
Errors the user can fix (bad arguments, bad input, a snapshot that does not
validate) end in a one-line message and a non-zero exit, never a traceback:
bad arguments through :class:`OneLineParser`, the project's own error classes
(:data:`KNOWN_ERRORS`) and a failed file operation through the one wrapper
around every command (:func:`run_command`); a command catches only what it
reports in its own words.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable

COMMANDS: dict[str, tuple[str, str]] = {
    "synth": ("analysis.sources.synth", "generate a synthetic snapshot (calibrated, seeded)"),
    "import": ("analysis.sources.importer", "import raw Hub API records: import SRC_DIR... OUT_DIR"),
    "collect": ("analysis.sources.collector", "collect a new snapshot from the live Hub"),
    "import-hfcommunity": (
        "analysis.sources.hfcommunity",
        "import an HFCommunity MariaDB dump: (--dump FILE | --socket PATH | --url URL) OUT_DIR",
    ),
    "validate": ("analysis.snapshot.cli", "validate SNAPSHOT_DIR (schema, checksums, keys)"),
    "info": ("analysis.snapshot.cli", "info SNAPSHOT_DIR [--json]: what a snapshot holds"),
    "build": ("analysis.publication.build", "build SNAPSHOT_DIR: execute the notebooks, build the book"),
    "editions": ("analysis.publication.editions", "editions [BUILD_DIR...]: compare the findings of built editions"),
    "site": ("analysis.publication.site", "site BOOK... --out DIR --baseurl URL: publish books as editions of a site"),
    "fakehub": ("fakehub.server", "serve a snapshot through the Hub's REST API on 127.0.0.1"),
    "paths": ("analysis.paths", "paths NAME: print one of the project's paths (for the Makefile and CI)"),
    "calibrate": ("analysis.sources.calibrate", "print the synthetic Hub's targets derived from real records"),
}


def usage() -> str:
    lines = ["usage: python -m analysis <command> [options]", "", "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items()]
    lines.append("\n'python -m analysis <command> --help' for a command's options.")
    return "\n".join(lines)


class OneLineParser(argparse.ArgumentParser):
    """The parser of every command: a bad argument ends in one line (no usage block)."""

    def error(self, message: str) -> None:
        self.exit(2, f"error: {message} (see '{self.prog} --help')\n")


#: The project's error classes, each a problem the user can fix (bad input, a snapshot that does
#: not validate, a folder in use, a refused build or site, a broken dump or mapping file), by the
#: public path they are imported from: this ground floor imports none of them. Raised from a
#: command (subclasses too), each ends in one line ``error: <message>`` and exit status 1.
KNOWN_ERRORS = (
    "analysis.snapshot.SnapshotError",  # FolderBusy and SnapshotExistsError among them
    "analysis.snapshot.schema.CoverageError",
    "analysis.publication.findings.FindingsError",
    "analysis.publication.build.BuildError",
    "analysis.publication.buildfolder.FolderRefused",
    "analysis.publication.site.SiteError",
    "analysis.publication.editions.EditionsError",
    "analysis.sources.collector.options.CollectError",
    "analysis.sources.hfcommunity.schema.HFCommunityError",
    "analysis.sources.importer.files.ImportStopped",
    "analysis.sources.mariadb.containers.DumpError",
    "analysis.sources.mariadb.server.ServerError",
    "analysis.parts.licenses.MappingError",
    "analysis.parts.owners.OwnerMappingError",
    "analysis.parts.identity.OverridesError",
)


def known_error_classes() -> tuple[type[BaseException], ...]:
    """The classes of :data:`KNOWN_ERRORS` whose modules are loaded (an error raised by a command
    comes from a module it loaded; nothing is imported here)."""
    out = []
    for dotted in KNOWN_ERRORS:
        module, _, name = dotted.rpartition(".")
        cls = getattr(sys.modules.get(module), name, None)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            out.append(cls)
    return tuple(out)


def run_command(command: Callable[[], int | None]) -> int:
    """Run one command; a known error (:data:`KNOWN_ERRORS`) or a failed file operation becomes one
    line on stderr and exit status 1, never a traceback."""
    try:
        return int(command() or 0)
    except Exception as exc:
        if isinstance(exc, known_error_classes()):
            message = str(exc)
        elif isinstance(exc, OSError):
            message = f"{exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else "")
        else:
            raise
        print(f"error: {' '.join(message.split()) or type(exc).__name__}", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"error: unknown command {name!r}; choose from {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    args = [name, *rest] if name in {"validate", "info"} else rest
    return run_command(lambda: module.main(args))
