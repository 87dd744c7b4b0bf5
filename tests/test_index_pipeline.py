"""The dedupe and index pipelines against the real node, including a node outage in the middle of a crawl."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from urllib.parse import urlsplit

import pytest
from opensearchpy import OpenSearch
from scrapy.crawler import Crawler
from scrapy.utils.test import get_crawler

from newsmon.cleaning.article import Article
from newsmon.config import Settings
from newsmon.crawler.pipelines.dedupe import DedupePipeline
from newsmon.crawler.pipelines.indexing import IndexPipeline
from newsmon.crawler.signals import articles_indexed
from newsmon.index import mappings, schema
from newsmon.index.articles import ArticleStore
from newsmon.index.spool import Spool
from newsmon.urls import article_id
from tests.test_index_articles import count, make_article


class Forwarder:
    """A TCP relay to the search node that can be cut and restored on the same port: an outage we control."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.create_server(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._sockets: list[socket.socket] = []

    def start(self) -> Forwarder:
        self._listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._sockets = [self._listener]
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()
        return self

    def stop(self) -> None:
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            sink.close()


@pytest.fixture
def relay(es_url: str) -> Forwarder:
    target = urlsplit(es_url)
    forwarder = Forwarder((target.hostname, target.port)).start()
    yield forwarder
    forwarder.stop()


def crawler_for(settings: Settings, **extra) -> Crawler:
    return get_crawler(settings_dict={"NEWSMON_SETTINGS": settings, **extra})


def collect_indexed(crawler: Crawler) -> list[Article]:
    announced: list[Article] = []

    def receive(articles: list[Article]) -> None:
        announced.extend(articles)

    crawler.signals.connect(receive, signal=articles_indexed, weak=False)
    return announced


def test_outage_mid_crawl_spools_then_indexes_every_article_once(
    es: OpenSearch, settings: Settings, relay: Forwarder
) -> None:
    through_relay = settings.model_copy(update={"es_url": f"http://127.0.0.1:{relay.port}"})
    crawler = crawler_for(through_relay, NEWSMON_INDEX_BATCH_SIZE=3, NEWSMON_INDEX_BACKOFF=0)
    announced = collect_indexed(crawler)
    pipeline = IndexPipeline.from_crawler(crawler)
    articles = [make_article(f"/n{n}", title=f"Berita nomor {n}") for n in range(10)]

    async def crawl() -> int:
        pipeline.open_spider()
        for article in articles[:3]:  # one batch while the node answers
            await pipeline.process_item(article)
        relay.stop()
        for article in articles[3:8]:  # the node is gone: one failed batch, then part of the next
            await pipeline.process_item(article)
        spooled = Spool(settings.spool_dir).backlog()
        relay.start()
        for article in articles[8:]:
            await pipeline.process_item(article)
        await pipeline.close_spider()
        return spooled

    spooled = asyncio.run(crawl())

    assert spooled == 3
    assert count(es, settings) == 10
    assert sorted(a.url for a in announced) == sorted(a.url for a in articles)
    assert Spool(settings.spool_dir).backlog() == 0
    hits = es.search(index=mappings.read_alias(settings), body={"size": 20, "_source": ["url"]})["hits"]["hits"]
    assert sorted(hit["_id"] for hit in hits) == sorted(article_id(a.canonical_url) for a in articles)


def test_batch_is_flushed_on_close_and_announced(es: OpenSearch, settings: Settings) -> None:
    schema.ensure(es, settings)
    crawler = crawler_for(settings)
    announced = collect_indexed(crawler)
    pipeline = IndexPipeline.from_crawler(crawler)

    async def crawl() -> int:
        pipeline.open_spider()
        await pipeline.process_item(make_article("/satu"))
        await pipeline.process_item(make_article("/satu"))  # the same URL twice in one crawl
        before_close = count(es, settings)
        await pipeline.close_spider()
        return before_close

    assert asyncio.run(crawl()) == 0  # below the batch size, before the batch time: nothing written yet

    assert count(es, settings) == 1
    assert [a.canonical_url for a in announced] == ["https://news.example.test/satu"]


async def process(pipeline: DedupePipeline, items: list[Article], *, together: bool = False) -> list[Article]:
    """Items one after the other, as a crawl yields them (or all at once, as concurrent responses do)."""
    if together:
        done = await asyncio.gather(*(pipeline.process_item(item) for item in items))
    else:
        done = [await pipeline.process_item(item) for item in items]
    pipeline.close_spider()
    return list(done)


LONG_BODY = (
    "Menteri luar negeri bertemu mitranya di Tokyo pada hari Senin untuk membahas perdagangan, keamanan dan iklim "
    "kawasan. Kedua negara sepakat memperluas kerja sama energi bersih, membuka jalur penerbangan baru dan menambah "
    "beasiswa bagi mahasiswa. Pertemuan itu juga membahas situasi di Laut China Selatan serta rencana latihan "
    "bersama penjaga pantai tahun depan, kata juru bicara kementerian kepada wartawan di Jakarta."
)


def test_copies_share_a_story_in_one_crawl_and_across_crawls(es: OpenSearch, settings: Settings) -> None:
    original = make_article("/asli", body=LONG_BODY, source="kompas")
    syndicated = make_article("/sindikasi", body=LONG_BODY, source="detik")  # same text elsewhere
    unrelated = make_article("/lain", body="Tim nasional menang dua gol tanpa balas di stadion utama.")
    first_crawl = DedupePipeline.from_crawler(crawler_for(settings))
    asyncio.run(process(first_crawl, [original, syndicated, unrelated]))
    ArticleStore(es, settings).upsert_many([original, syndicated, unrelated])
    es.indices.refresh(index=mappings.read_alias(settings))

    rewritten = make_article(
        "/ulang", body=LONG_BODY + " Kunjungan berikutnya dijadwalkan bulan depan.", source="tempo"
    )
    refetched = make_article("/lain", body="Tim nasional menang dua gol tanpa balas.", source="kompas")
    second_crawl = DedupePipeline.from_crawler(crawler_for(settings))
    asyncio.run(process(second_crawl, [rewritten, refetched]))

    story = article_id(original.canonical_url)
    assert original.story_id == syndicated.story_id == story
    assert syndicated.outlets == ["detik", "kompas"]
    assert unrelated.story_id == article_id(unrelated.canonical_url)
    assert rewritten.story_id == story
    assert {"kompas", "tempo"} <= set(rewritten.outlets)
    assert refetched.story_id == unrelated.story_id  # a re-fetched article keeps its story


def test_dedupe_keeps_the_item_own_story_when_the_node_is_down(settings: Settings) -> None:
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    down = settings.model_copy(update={"es_url": f"http://127.0.0.1:{port}"})
    item = make_article("/sendiri")

    pipeline = DedupePipeline.from_crawler(crawler_for(down))
    (returned,) = asyncio.run(process(pipeline, [item]))

    assert returned is item
    assert item.story_id == article_id(item.canonical_url)
    assert item.outlets == ["kompas"]


def test_copies_processed_concurrently_still_share_one_story(settings: Settings) -> None:
    copies = [make_article(f"/salinan{n}", body=LONG_BODY, source=f"outlet{n}") for n in range(3)]
    pipeline = DedupePipeline.from_crawler(crawler_for(settings))

    asyncio.run(process(pipeline, copies, together=True))

    assert {c.story_id for c in copies} == {article_id(copies[0].canonical_url)}
    assert copies[-1].outlets == ["outlet0", "outlet1", "outlet2"]
