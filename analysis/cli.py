"""``python -m analysis <command>``: one entry point, one module per command.

Each command lives in its own module as ``main(argv: list[str]) -> int``; this
file only dispatches, so commands can be added without touching each other.
Errors the user can fix (bad arguments, bad input, a snapshot that does not
validate) end in a one-line message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

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
    if name in {"validate", "info"}:
        return module.main([name, *rest])
    return int(module.main(rest) or 0)
