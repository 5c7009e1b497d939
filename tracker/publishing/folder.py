"""Where a site is published: a new folder, or one that a previous publish wrote. The site is
written into a temporary folder beside it and renamed into place, so that a reader never sees
half a site and a failure leaves the previous one as it was."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tracker.errors import BadInput
from tracker.reports.output import umask

MARKER = ".signatory-tracker-site"


def check_target(folder: Path) -> None:
    """Refuse a target that is a file, or a non-empty folder that no publish wrote."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise BadInput(f"{folder} is not a folder; name a new folder or a previous publish")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).is_file():
        raise BadInput(
            f"{folder} is a folder with other files in it, not a previous publish; "
            "name a new or empty folder"
        )
    parent = folder.absolute().parent
    if not parent.is_dir():
        raise BadInput(f"cannot publish into {folder}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BadInput(f"cannot publish into {folder}: {parent} is not writable")


@contextmanager
def staged(folder: Path) -> Iterator[Path]:
    """A temporary folder that becomes `folder` when the block ends without an error."""
    check_target(folder)
    parent = folder.absolute().parent
    try:
        temp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.publishing.", dir=parent))
    except OSError as exc:
        raise BadInput(f"cannot publish into {folder}: {exc.strerror}") from None
    try:
        yield temp
        (temp / MARKER).write_text("written by `tracker publish`\n", encoding="utf-8")
        os.chmod(temp, 0o777 & ~umask())
        old = None
        if folder.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old.", dir=parent))
            os.rename(folder, old / "site")
        os.rename(temp, folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(temp, ignore_errors=True)
        raise BadInput(f"cannot publish into {folder}: {exc.strerror}") from None
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
