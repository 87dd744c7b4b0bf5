"""Watches stored as percolator queries, in their own index mapped like the articles' text fields.

The watches index is the system of record for watches (the YAML file is imported into it), so matching, delivery and
the CLI in any process see the same watches. Each document holds the watch itself, its compiled query (the
percolator field), the enabled flag the percolate request filters on, and the catch-up high-water mark.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from opensearchpy import NotFoundError, OpenSearch, helpers
from opensearchpy.exceptions import ConflictError
from pydantic import ValidationError

from newsmon.alerts.ledger import AlertLedger
from newsmon.alerts.model import Watch, watch_id
from newsmon.alerts.query import QueryError, has_positive_term, parse, to_query
from newsmon.config import Settings, validation_message
from newsmon.index.client import index_name, index_settings
from newsmon.index.mappings import MAPPING_VERSION, TEXT_ANALYZER, article_properties

PAGE = 10_000  # the search server's default max_result_window
_ARTICLE = article_properties()["properties"]
# Word pairs ("gencatan senjata" as one term, through index_phrases) of title and body, only in the watches index:
# what the percolator pre-selects phrase watches by (see percolator_query).
_PAIRS = {"type": "text", "analyzer": TEXT_ANALYZER, "index_phrases": True}
PAIR_FIELDS = ["title.pairs", "body.pairs"]
_TEXT = ("title", "body")


_WATCHES: dict[str, Any] = {
    "dynamic": "strict",
    "_meta": {"analysis_version": MAPPING_VERSION},  # the articles' analysis the stored queries were parsed with
    "properties": {
        "query": {"type": "percolator"},
        "name": {"type": "keyword"},
        "enabled": {"type": "boolean"},
        "watch": {"type": "object", "enabled": False},  # the Watch as JSON; read back, never searched
        "caught_up_to": {"type": "date"},
        # Percolated articles are parsed with the articles' own field mapping (title, body and their subfields).
        **_ARTICLE,
        **{f: {**_ARTICLE[f], "fields": {**_ARTICLE[f]["fields"], "pairs": _PAIRS}} for f in _TEXT},
    },
}
_ALERTS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "watch_id": {"type": "keyword"},
        "watch": {"type": "keyword"},
        "story_id": {"type": "keyword"},
        # pending -> sending -> sent; retrying: again at next_attempt_at; failed: a recipient refused it for good
        "status": {"type": "keyword"},
        "attempts": {"type": "integer"},
        "created_at": {"type": "date"},
        "updated_at": {"type": "date"},
        "next_attempt_at": {"type": "date"},
        "claim": {"type": "keyword"},
        "claimed_at": {"type": "date"},
        "sent_to": {"type": "keyword"},
        "sent_at": {"type": "date"},
        "error": {"type": "text", "index": False},
        "outlets": {"type": "keyword"},
        "items": {"type": "object", "enabled": False},
        "refusals": {"type": "object", "enabled": False},  # [{recipient, reason}]: 5xx answers, never retried
    },
}


_UNSTORED = {"created_at": None, "id": ""}  # set by the store, never in the YAML file


class WatchError(ValueError):
    """A watch that cannot be stored or found; the message is for the person who asked."""


class WatchExists(WatchError):
    """A watch with this name (in any case) is already stored."""


def parse_watch(fields: dict[str, Any]) -> Watch:
    """A Watch from fields typed by a person (CLI options, page form, API body); WatchError says what is wrong."""
    try:
        return Watch.model_validate(fields)
    except ValidationError as error:
        raise WatchError(validation_message(error)) from None


def ensure(client: OpenSearch, settings: Settings) -> None:
    """Create the watches (percolator) and alerts (ledger) indices if they are missing."""
    for kind, body in (
        (
            "watches",
            {
                "settings": {
                    **index_settings(settings, shards=settings.es_shards),
                    "analysis": article_properties()["analysis"],
                },
                "mappings": _WATCHES,
            },
        ),
        ("alerts", {"settings": index_settings(settings), "mappings": _ALERTS}),
    ):
        name = index_name(settings, kind)
        if not client.indices.exists(index=name):
            client.indices.create(index=name, body=body, ignore=400)  # 400: another process created it first
    watches = index_name(settings, "watches")
    mapping = client.indices.get_mapping(index=watches)[watches]["mappings"]
    if mapping.get("_meta", {}).get("analysis_version") != MAPPING_VERSION:
        _migrate_analysis(client, watches)
    # A watches index made before the pairs subfields existed gains them (new subfields only; nothing is reindexed).
    current = mapping["properties"]
    missing = {f: current[f] for f in _TEXT if "pairs" not in current[f].get("fields", {})}
    for definition in missing.values():
        definition["fields"]["pairs"] = _PAIRS
    if missing:
        client.indices.put_mapping(index=watches, body={"properties": missing})
    refusals = {"refusals": _ALERTS["properties"]["refusals"]}  # an alerts index made before refusals existed
    client.indices.put_mapping(index=index_name(settings, "alerts"), body={"properties": refusals})


def _migrate_analysis(client: OpenSearch, index: str) -> None:
    """Bring a watches index made with older analyzers to the articles' current ones, and store every watch again
    so that its percolator query is parsed with them (a stored query keeps the terms it was parsed into)."""
    client.indices.close(index=index)
    try:
        client.indices.put_settings(index=index, body={"analysis": article_properties()["analysis"]})
    finally:
        client.indices.open(index=index)
        client.cluster.health(index=index, wait_for_status="yellow")
    documents = [(hit["_id"], hit["_source"]) for hit in helpers.scan(client, index=index)]
    actions = ({"_index": index, "_id": id_, "_source": source} for id_, source in documents)
    helpers.bulk(client, actions, refresh=True)
    client.indices.put_mapping(index=index, body={"_meta": _WATCHES["_meta"]})


def percolator_query(text: str) -> dict[str, Any]:
    """The watch's query as stored for the percolator: `to_query`, with each phrase rearranged so that the
    percolator pre-selects the watch by the phrase's word pairs.

    Left as it is, a phrase makes the percolator pre-select every watch whose phrase words each occur somewhere in a
    batch of articles (with fifty articles, most watches) and run them all. Rearranged, the same match reads
    `pairs AND NOT NOT phrase`, plus the phrase as an optional clause: the pre-selection only sees required clauses
    (the word pairs, single terms of the pairs subfields), the double negation still requires the phrase, and the
    highlighter, which skips negated clauses, marks the phrase from the optional one."""
    return _with_pairs(to_query(text))


def _with_pairs(query: dict[str, Any]) -> dict[str, Any]:
    match = query.get("multi_match")
    if match and match.get("type") == "phrase":
        pairs = {"multi_match": {**match, "fields": PAIR_FIELDS}}
        return {"bool": {"filter": [pairs], "must_not": [{"bool": {"must_not": [query]}}], "should": [query]}}
    if "bool" in query:
        clauses = query["bool"].items()
        return {"bool": {k: [_with_pairs(q) for q in v] if isinstance(v, list) else v for k, v in clauses}}
    return query


def watch_hits(client: OpenSearch, index: str, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every hit of a search on the watches index, by name, in pages of PAGE (one page unless there are more)."""
    after: list[Any] | None = None
    while True:
        page = {**body, "size": PAGE, "sort": ["name"], **({"search_after": after} if after else {})}
        hits = client.search(index=index, body=page)["hits"]["hits"]
        yield from hits
        if len(hits) < PAGE:
            return
        after = hits[-1]["sort"]


def check_query(text: str) -> None:
    """Raise QueryError unless `text` is a query the percolator can pre-filter (it needs a word that must appear)."""
    if not has_positive_term(parse(text)):
        raise QueryError(
            f"the query {text!r} only excludes words: every article would match it. "
            "Add at least one word or phrase that must appear."
        )


class WatchStore:
    def __init__(self, client: OpenSearch, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self.index = index_name(settings, "watches")

    def add(self, watch: Watch, now: datetime | None = None) -> Watch:
        """Store a new watch; its created_at is now, so only articles indexed from now on alert."""
        check_query(watch.query)
        now = now or datetime.now(UTC)
        stored = watch.model_copy(update={"created_at": watch.created_at or now, "id": uuid.uuid4().hex})
        try:
            self._write(stored, caught_up_to=stored.created_at, op_type="create")
        except ConflictError:
            raise WatchExists(f"a watch named {watch.name!r} already exists (use `newsmon watch edit`)") from None
        return stored

    def add_many(self, watches: list[Watch], now: datetime | None = None) -> list[Watch]:
        """Store many new watches in one bulk request and one refresh (imports, benchmarks). Every query is checked
        before anything is written; a name that already exists raises WatchError after the others are stored."""
        for watch in watches:
            check_query(watch.query)
        now = now or datetime.now(UTC)
        stored = [w.model_copy(update={"created_at": w.created_at or now, "id": uuid.uuid4().hex}) for w in watches]
        actions = (
            {"_op_type": "create", "_index": self.index, "_id": watch_id(w.name), **self._document_for(w, w.created_at)}
            for w in stored
        )
        _, errors = helpers.bulk(self.client, actions, raise_on_error=False, refresh=True, chunk_size=2000)
        if errors:
            names = {watch_id(w.name): w.name for w in stored}
            failed = sorted(names[e["create"]["_id"]] for e in errors)
            raise WatchError(f"{len(failed)} watches were not stored (names taken?): {', '.join(failed[:5])}")
        return stored

    def get(self, name: str) -> Watch | None:
        return self.get_by_id(watch_id(name))

    def get_by_id(self, doc_id: str) -> Watch | None:
        try:
            document = self.client.get(index=self.index, id=doc_id)["_source"]
        except NotFoundError:
            return None
        return Watch.model_validate(document["watch"])

    def list(self) -> list[Watch]:
        self.client.indices.refresh(index=self.index)
        hits = watch_hits(self.client, self.index, {"query": {"match_all": {}}, "_source": ["watch"]})
        return [Watch.model_validate(hit["_source"]["watch"]) for hit in hits]

    def update(self, watch: Watch, now: datetime | None = None) -> Watch:
        """Replace a watch, keeping its created_at. A changed query or filter starts catch-up afresh from now, so
        articles indexed before the edit are never alerted on."""
        check_query(watch.query)
        document = self._document(watch.name)
        if document is None:
            raise WatchError(f"no watch named {watch.name!r}")
        old = Watch.model_validate(document["watch"])
        stored = watch.model_copy(update={"created_at": old.created_at, "id": old.id})
        caught_up_to = document.get("caught_up_to")
        if old.matching_key() != stored.matching_key():
            caught_up_to = (now or datetime.now(UTC)).isoformat()
        self._write(stored, caught_up_to=caught_up_to)
        return stored

    def remove(self, name: str) -> bool:
        """Delete a watch and the alerts it had not sent yet."""
        watch = self.get(name)
        if watch is None:
            return False
        try:
            self.client.delete(index=self.index, id=watch_id(name), refresh=True)
        except NotFoundError:
            return False
        AlertLedger(self.client, self.settings).drop_open(watch)
        return True

    def pause(self, name: str) -> Watch:
        return self._set_enabled(name, False)

    def resume(self, name: str, backfill: bool = False, now: datetime | None = None) -> Watch:
        """Turn a paused watch back on. Articles indexed while it was paused alert only with `backfill`: otherwise
        catch-up starts from now."""
        current = self.get(name)
        watch = self._set_enabled(name, True)
        if current and not current.enabled and not backfill:
            self.set_caught_up_many([name], now or datetime.now(UTC))
        return watch

    def sync_from_config(self, watches: builtins.list[Watch], now: datetime | None = None) -> builtins.list[str]:
        """Import the YAML file's watches: add the missing, update the changed, leave the rest. Returns the names of
        watches added or changed (empty on a second run with the same file)."""
        changed = []
        for watch in watches:
            current = self.get(watch.name)
            if current is None:
                self.add(watch, now)
            elif current.model_copy(update=_UNSTORED) != watch.model_copy(update=_UNSTORED):
                self.update(watch, now)
            else:
                continue
            changed.append(watch.name)
        return changed

    def list_with_marks(self) -> builtins.list[tuple[Watch, datetime | None]]:
        """Every watch with its catch-up high-water mark (its creation time until the first catch-up), in one read."""
        self.client.indices.refresh(index=self.index)
        body = {"query": {"match_all": {}}, "_source": ["watch", "caught_up_to"]}
        found = []
        for hit in watch_hits(self.client, self.index, body):
            watch, mark = Watch.model_validate(hit["_source"]["watch"]), hit["_source"].get("caught_up_to")
            found.append((watch, datetime.fromisoformat(mark) if mark else watch.created_at))
        return found

    def set_caught_up_many(self, names: builtins.list[str], when: datetime) -> None:
        """Move the marks of these watches to `when`, in one bulk request (a watch removed meanwhile is skipped)."""
        doc = {"caught_up_to": when.isoformat()}
        actions = ({"_op_type": "update", "_index": self.index, "_id": watch_id(n), "doc": doc} for n in names)
        _, errors = helpers.bulk(self.client, actions, raise_on_error=False, chunk_size=2000)
        failed = [e for e in errors if e.get("update", {}).get("status") != 404]
        if failed:
            raise RuntimeError(f"could not move {len(failed)} catch-up marks: {failed[:3]}")

    def _set_enabled(self, name: str, enabled: bool) -> Watch:
        watch = self.get(name)
        if watch is None:
            raise WatchError(f"no watch named {name!r}")
        watch = watch.model_copy(update={"enabled": enabled})
        self.client.update(
            index=self.index,
            id=watch_id(name),
            body={"doc": {"enabled": enabled, "watch": watch.model_dump(mode="json")}},
            refresh=True,
        )
        return watch

    def _document(self, name: str) -> dict[str, Any] | None:
        try:
            document: dict[str, Any] = self.client.get(index=self.index, id=watch_id(name))["_source"]
        except NotFoundError:
            return None
        return document

    def _write(self, watch: Watch, caught_up_to: object, op_type: str = "index") -> None:
        document = self._document_for(watch, caught_up_to)
        self.client.index(index=self.index, id=watch_id(watch.name), body=document, op_type=op_type, refresh=True)

    @staticmethod
    def _document_for(watch: Watch, caught_up_to: object) -> dict[str, Any]:
        return {
            "query": percolator_query(watch.query),
            "name": watch.name,
            "enabled": watch.enabled,
            "watch": watch.model_dump(mode="json"),
            "caught_up_to": caught_up_to.isoformat() if isinstance(caught_up_to, datetime) else caught_up_to,
        }
