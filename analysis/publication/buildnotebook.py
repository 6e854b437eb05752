"""One notebook of the book executed by papermill, as the build runs it (:func:`execute`).

The notebook gets its parameters as papermill parameters only (papermill's ``injected-parameters``
cell): the build's own (:data:`analysis.publication.buildparams.BUILD_PARAMETERS`: the snapshot's
folder, the output folder, the page's name, the code's commit and the snapshot's verified token;
each given to a notebook whose ``parameters`` cell declares it) and the reader's, from
``params.yml`` and ``-p``. Its kernel runs in its own process group and dies with the build
(:mod:`analysis.publication.buildchildren`); the notebook's end ends its own kernel's group, never that
of a notebook running beside it. The executed copy has its parameter cells tagged
``remove-cell`` and its ``hide-input`` cells ``remove-input`` (:func:`tag_hidden_cells`); a failure
is one line naming the notebook and the cell (:func:`failure_message`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from analysis.publication.buildchildren import NotebookChildren, kernel_manager_class
from analysis.publication.builderror import NO_SPACE, BuildError, no_space, show
from analysis.publication.buildparams import BUILD_PARAMETERS, REQUIRED

CELL_TIMEOUT = 1800  # seconds per cell


def execute(template: Path, out_nb: Path, parameters: Mapping[str, Any], own: NotebookChildren | None = None) -> None:
    """Execute ``template`` into ``out_nb`` (working directory: its folder) with ``parameters``, less
    the build's own ones its parameters cell does not declare (a notebook of one's own, say). ``own``:
    where its kernel's process group is kept (the build ends it from another thread to stop it)."""
    import papermill as pm

    own = own if own is not None else NotebookChildren()
    declared = pm.inspect_notebook(str(template))
    given = {k: v for k, v in parameters.items() if k not in BUILD_PARAMETERS or k in REQUIRED or k in declared}
    try:
        pm.execute_notebook(
            str(template),
            str(out_nb),
            parameters=given,
            kernel_name="python3",
            # the kernel's working directory, as nbclient sets it; papermill's own cwd= would chdir the
            # whole build process, which notebooks running side by side in threads share
            resources={"metadata": {"path": str(out_nb.parent)}},
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            execution_timeout=CELL_TIMEOUT,
            # the kernel's own warnings (TCP without encryption on 127.0.0.1) are noise here
            # the kernel's shutdown ("KeyboardInterrupt caught in kernel") is not an error either
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            kernel_manager_class=kernel_manager_class(own),  # each kernel dies with the build
        )
    except Exception as exc:  # papermill raises its own and kernel errors
        raise BuildError(failure_message(out_nb.stem, out_nb, exc)) from None
    finally:
        own.end()  # its kernel and anything it left running (not a kernel running beside it)
    tag_hidden_cells(out_nb)


def tag_hidden_cells(nb_path: Path) -> None:
    """Hide the parameter cells, and show readers no code toggles: a cell whose input the template
    hides (``hide-input``) has its input removed from the page (each page links its notebooks)."""
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if ("injected-parameters" in tags or "parameters" in tags) and "remove-cell" not in tags:
            tags.append("remove-cell")
        if "hide-input" in tags:
            tags[tags.index("hide-input")] = "remove-input"
    nbformat.write(nb, nb_path)


def failure_message(nb_name: str, out_nb: Path, exc: BaseException) -> str:
    """One line for a notebook that failed: the cell as counted in its template, its first line, the
    error, where the executed copy (with the traceback) is kept."""
    from papermill.exceptions import PapermillExecutionError

    if no_space(f"{getattr(exc, 'evalue', '')} {exc}"):
        return (
            f"{NO_SPACE} while executing book/{nb_name}.ipynb; the build stopped and the published book is "
            f"unchanged; free some space, then rerun (what was executed is in {show(out_nb.parent.parent)})"
        )
    if isinstance(exc, PapermillExecutionError):
        first = (exc.source or "").strip().splitlines()
        code = first[0][:80] if first else ""
        index = exc.cell_index
        try:  # papermill counts its injected cell; name the cell as it is in the template
            import nbformat

            cells = nbformat.read(out_nb, as_version=4).cells[: exc.cell_index]
            index -= sum("injected-parameters" in c.metadata.get("tags", []) for c in cells)
        except Exception:
            pass
        where = f"cell {index} (counting from 0)" + (f", execution count [{exc.exec_count}]" if exc.exec_count else "")
        what = f"{exc.ename}: {str(exc.evalue).strip().splitlines()[0] if str(exc.evalue).strip() else ''}"
        return (
            f"notebook book/{nb_name}.ipynb failed in {where}, which starts with `{code}`: {what}. "
            f"The build stopped; the executed copy with the full traceback is kept at "
            f"{show(out_nb)} (open it, or rerun just this notebook with --only {nb_name})."
        )
    text = str(exc).strip().splitlines()
    return (
        f"notebook book/{nb_name}.ipynb could not be executed: {type(exc).__name__}: "
        f"{text[0] if text else ''}. The build stopped; whatever was executed is kept at {show(out_nb)}."
    )
