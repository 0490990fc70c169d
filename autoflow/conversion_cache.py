"""Converted functions kept on disk, so that running a script again skips the conversion.

Converting a function means importing libcst (about 150 ms, once per process)
and parsing and rewriting the function (5 to 25 ms each). Both are the same
every time a script runs unchanged, so :mod:`autoflow.api` keeps what a
conversion produces — the converted source, its line map back to the user's
file, the name it gives the runtime — in one small JSON file per function, and
reads it back on the next run without importing libcst at all.

An entry is found by a SHA-256 of everything the conversion depends on: the
function's source text, file name and first line, the conversion options, the
Python and autoflow versions, and the size and modification time of each of
autoflow's own modules (so a changed transpiler never reads an old entry). An entry is never updated in
place: a changed function has another key. Unreadable or malformed entries
count as absent; a cache directory that cannot be written is skipped silently.

Entries not used for 30 days are deleted, at most once a day, by the first
process that stores one (every edit of a function leaves its old entry
behind).

Settings (environment variables, read on each conversion):
  * ``AUTOFLOW_CACHE=0`` turns the cache off;
  * ``AUTOFLOW_CACHE_DIR`` sets its directory (default: ``$XDG_CACHE_HOME/autoflow``,
    else ``~/.cache/autoflow``). Deleting the directory clears the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

__all__ = [
    "MAX_AGE_DAYS",
    "Entry",
    "cache_directory",
    "conversion_key",
    "keeps",
    "load",
    "prune",
    "skip_directory",
    "store",
]

_FORMAT = 1
_PACKAGE = Path(__file__).resolve().parent
_fingerprint: list[str] = []  # computed once per process
_SKIPPED: list[str] = []  # directories (with a trailing separator) whose files are not cached
_pruned: list[bool] = []  # set once this process has pruned (or tried to)

#: Entries not used for this many days are deleted (see :func:`prune`).
MAX_AGE_DAYS = 30.0


class Entry(NamedTuple):
    """What a conversion produced that the next process needs."""

    text: str  # the converted function, as autoflow.to_source shows it
    lines: dict[int, int]  # line of ``text`` -> line of the user's file
    runtime_name: str  # the name ``text`` calls the runtime by


def cache_directory() -> Path | None:
    """The cache's directory, or None when ``AUTOFLOW_CACHE=0`` turns it off."""
    if os.environ.get("AUTOFLOW_CACHE", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    configured = os.environ.get("AUTOFLOW_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "autoflow"


def skip_directory(path: str) -> None:
    """Keep no conversions of functions whose files are under ``path``.

    For generated files whose names never repeat (autoflow.testing's drawn
    programs): their entries would never be read again.
    """
    _SKIPPED.append(os.path.join(os.path.abspath(path), ""))


def keeps(filename: str) -> bool:
    """Should conversions of functions from ``filename`` be kept?"""
    if not _SKIPPED:
        return True
    return not os.path.abspath(filename).startswith(tuple(_SKIPPED))


def conversion_key(
    source: str,
    filename: str,
    first_line: int,
    options: Iterable[Any],
) -> str:
    """The key of one conversion: a hex digest of everything its result depends on."""
    payload = json.dumps(
        [_FORMAT, _transpiler_fingerprint(), source, filename, first_line, list(options)],
        default=_sorted_set,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def load(directory: Path, key: str) -> Entry | None:
    """The entry stored under ``key``, or None. A found entry counts as used now."""
    path = _path(directory, key)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        lines = {int(k): int(v) for k, v in data["lines"].items()}
        entry = Entry(str(data["text"]), lines, str(data["runtime_name"]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    try:
        os.utime(path)  # its age counts from its last use (see prune)
    except OSError:
        pass
    return entry


def store(directory: Path, key: str, entry: Entry) -> None:
    """Write ``entry`` under ``key`` (atomically); give up silently if the disk says no."""
    path = _path(directory, key)
    data = {"text": entry.text, "lines": entry.lines, "runtime_name": entry.runtime_name}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump(data, file)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        return
    if not _pruned:
        _pruned.append(True)
        prune(directory)


def prune(directory: Path, max_age_days: float = MAX_AGE_DAYS, every_hours: float = 24.0) -> int:
    """Delete the entries not used for ``max_age_days``; return how many.

    Every edit of a function leaves its old entry behind, so unused entries
    are removed: at most once every ``every_hours`` per directory (a marker
    file records the last time), from the first store of a process.
    """
    marker = directory / "last-prune"
    now = time.time()
    try:
        if now - marker.stat().st_mtime < every_hours * 3600:
            return 0
    except OSError:
        pass  # never pruned
    removed = 0
    try:
        for path in directory.glob("??/*.json"):
            try:
                if now - path.stat().st_mtime > max_age_days * 86400:
                    path.unlink()
                    removed += 1
            except OSError:
                continue  # gone already (another process), or not ours to remove
        marker.touch()
    except OSError:
        pass
    return removed


def _path(directory: Path, key: str) -> Path:
    return directory / key[:2] / f"{key}.json"


def _sorted_set(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot key a conversion on {type(value).__name__}")


def _transpiler_fingerprint() -> str:
    """The Python version and autoflow's modules, by name, size and modification time.

    Stat rather than read: about 0.3 ms instead of 25 ms per process. An edit
    changes the modification time (so a changed transpiler never reads an old
    entry); a touched but unchanged file only costs one conversion again.
    """
    if not _fingerprint:
        from autoflow import __version__

        digest = hashlib.sha256(f"{sys.version_info[:2]} {__version__}".encode())
        for path in sorted(_PACKAGE.rglob("*.py")):
            if path.parent.name == "testing":
                continue  # the test-program generator does not convert anything
            stat = path.stat()
            digest.update(
                f"{path.relative_to(_PACKAGE).as_posix()} {stat.st_size} {stat.st_mtime_ns};".encode()
            )
        _fingerprint.append(digest.hexdigest())
    return _fingerprint[0]
