"""An on-disk spool for articles that could not be indexed (node down): JSON Lines, appended with fsync.

A crash mid-append leaves at most one torn line; it is skipped with a warning on reading, and the next append starts
on a fresh line so it never glues onto the torn one. ``replay`` indexes the spooled articles once the node answers
and keeps only those that still could not be indexed. Ids are deterministic, so replaying twice duplicates nothing.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from opensearchpy import OpenSearch, TransportError

from newsmon.cleaning.article import Article
from newsmon.config import Settings
from newsmon.index.articles import ArticleStore, BulkResult

log = logging.getLogger(__name__)

REPLAY_BATCH = 200


class Spool:
    def __init__(self, directory: Path) -> None:
        self.path = directory / "articles.jsonl"
        self._lock_path = directory / "articles.lock"

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Exclusive across processes (the service and a CLI replay may share a data dir). Not re-entrant."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def append(self, articles: Iterable[Article]) -> int:
        lines = [json.dumps(a.to_dict(), ensure_ascii=False) + "\n" for a in articles]
        if not lines:
            return 0
        with self.locked(), open(self.path, "a+b") as spool:
            spool.seek(0, os.SEEK_END)
            if spool.tell() and not _ends_with_newline(spool):
                spool.write(b"\n")  # close a line torn by a crash, so it stays one bad line
            spool.write("".join(lines).encode("utf-8"))
            spool.flush()
            os.fsync(spool.fileno())
        return len(lines)

    def read(self) -> list[Article]:
        with self.locked():
            return self._read()

    def backlog(self) -> int:
        """How many articles wait in the spool."""
        return len(self.read())

    def _read(self) -> list[Article]:
        if not self.path.exists():
            return []
        articles = []
        with open(self.path, encoding="utf-8", errors="replace") as spool:
            for number, line in enumerate(spool, 1):
                if not line.strip():
                    continue
                try:
                    articles.append(Article.from_dict(json.loads(line)))
                except (ValueError, TypeError) as error:
                    log.warning("skipping unreadable spool line %s:%d (%s)", self.path, number, error)
        return articles

    def _replace(self, articles: list[Article]) -> None:
        """Atomically swap the spool for one holding only ``articles``."""
        if not articles:
            self.path.unlink(missing_ok=True)
            return
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as spool:
            spool.writelines(json.dumps(a.to_dict(), ensure_ascii=False) + "\n" for a in articles)
            spool.flush()
            os.fsync(spool.fileno())
        tmp.replace(self.path)


def _ends_with_newline(spool: BinaryIO) -> bool:
    spool.seek(-1, os.SEEK_END)
    return spool.read(1) == b"\n"


def replay(client: OpenSearch, settings: Settings, *, on_result: Callable[[BulkResult], object] | None = None) -> int:
    """Index what the spool holds; returns how many spooled articles are now in the index.

    Articles the node refused for now stay spooled (so does everything after a batch the node could not take);
    articles the index rejects for good (mapping errors) are logged with their URL by the store and dropped.
    ``on_result`` sees each bulk result, e.g. to tell the match pipeline about new articles.
    """
    spool = Spool(settings.spool_dir)
    store = ArticleStore(client, settings)
    with spool.locked():
        pending = spool._read()
        keep: list[Article] = []
        indexed = 0
        for start in range(0, len(pending), REPLAY_BATCH):
            batch = pending[start : start + REPLAY_BATCH]
            try:
                result = store.upsert_many(batch)
            except TransportError as error:
                log.warning("spool replay stopped, the node is unavailable (%s); %d left", error, len(pending) - start)
                keep += pending[start:]
                break
            keep += result.retryable
            indexed += len(batch) - len(result.failed)
            if on_result:
                on_result(result)
        if pending:
            spool._replace(keep)
    if indexed:
        log.info("replayed %d spooled articles, %d left", indexed, len(keep))
    return indexed
