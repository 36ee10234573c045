"""A small content-addressed, on-disk cache for slow stages (synthesis, SCALE-Sim, training).

The key is the SHA-256 of canonical JSON built from the stage name, a per-stage version, the
tool version and the inputs; values are JSON documents stored at
``<root>/<stage>/<key[:2]>/<key>.json``. Writes go to a temporary file in the same folder and are
moved into place with :func:`os.replace`, so parallel workers never read half a file and a crash
leaves nothing half-written.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["cache_root", "cache_key", "Cache", "atomic_write_text"]


def cache_root() -> Path:
    """Folder of the cache: ``$CARBONFLOW_CACHE`` or ``~/.cache/carbonflow``."""
    env = os.environ.get("CARBONFLOW_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "carbonflow"


def cache_key(*parts: Any) -> str:
    """SHA-256 of the canonical JSON of ``parts`` (sorted keys, no whitespace)."""
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and :func:`os.replace`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; results are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Cache:
    """JSON values under one stage name.

    Args:
        stage: stage name, also the sub-folder (``"synth"``, ``"scalesim"``, ...).
        root: cache folder; ``None`` uses :func:`cache_root`.
        enabled: ``False`` makes every lookup miss and every store a no-op (for tests).
    """

    def __init__(self, stage: str, root: Path | None = None, *, enabled: bool = True):
        self.stage = stage
        self.root = Path(root) if root is not None else cache_root()
        self.enabled = enabled

    def path(self, key: str) -> Path:
        return self.root / self.stage / key[:2] / f"{key}.json"

    def get(self, key: str) -> Any | None:
        if not self.enabled:
            return None
        p = self.path(key)
        try:
            return json.loads(p.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def put(self, key: str, value: Any) -> None:
        if self.enabled:
            atomic_write_text(self.path(key), json.dumps(value, sort_keys=True))
