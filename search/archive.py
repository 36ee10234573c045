"""Persistent archive of every evaluation (SQLite): interrupted searches resume from it.

Each evaluated point is stored under a key that hashes the point and every setting that changes
its result; a resumed run with the same seed proposes the same points and finds them here, so
nothing evaluated before the interruption is evaluated again. SQLite commits each row, so a kill
loses at most the point being evaluated.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

__all__ = ["Archive"]


class Archive:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS evals (key TEXT PRIMARY KEY, seq INTEGER, "
                        "result TEXT NOT NULL, created REAL)")
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT)")
        self.db.commit()
        self.hits = 0
        self.new = 0

    def get(self, key: str) -> dict[str, Any] | None:
        row = self.db.execute("SELECT result FROM evals WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        self.hits += 1
        return json.loads(row[0])

    def put(self, key: str, result: dict[str, Any]) -> None:
        seq = self.db.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM evals").fetchone()[0]
        self.db.execute("INSERT OR IGNORE INTO evals VALUES (?, ?, ?, ?)",
                        (key, seq, json.dumps(result, sort_keys=True), time.time()))
        self.db.commit()
        self.new += 1

    def replace(self, key: str, result: dict[str, Any]) -> None:
        """Overwrite a stored point (when its surrogate accuracy is replaced by a real one)."""
        self.db.execute("UPDATE evals SET result = ? WHERE key = ?",
                        (json.dumps(result, sort_keys=True), key))
        self.db.commit()

    def all(self) -> list[dict[str, Any]]:
        return [json.loads(r[0]) for r in
                self.db.execute("SELECT result FROM evals ORDER BY seq").fetchall()]

    def count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM evals").fetchone()[0]

    def set_meta(self, k: str, v: Any) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (k, json.dumps(v)))
        self.db.commit()

    def get_meta(self, k: str) -> Any:
        row = self.db.execute("SELECT v FROM meta WHERE k = ?", (k,)).fetchone()
        return json.loads(row[0]) if row else None

    def close(self) -> None:
        self.db.close()
