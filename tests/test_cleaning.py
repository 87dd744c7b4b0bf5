"""clean() on the fixture pages (pure: no servers)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from newsmon.cleaning import Article, Rejection, clean
from newsmon.cleaning.gate import MAX_PAGE_BYTES

PAGES = Path(__file__).parent / "fixtures" / "pages"
BASE = "https://kabar.example"
SEED_TITLE = "Pemimpin Korea Utara mendesak peningkatan produksi cangkang artileri di tengah penyelarasan Rusia"
BOILERPLATE = [
    "Related Articles",
    "Tinggalkan Balasan",
    "Alamat email",
    "Back to top button",
    "Sumber",
    "Baca juga",
    "Berita Populer",
    "cookie",
    "Bagikan",
    "WhatsApp",
    "ke Laut Jepang",  # the "Baca juga:" headline
    "Kim Jong Un tinjau latihan",  # a related headline
]


def page(name: str) -> bytes:
    return (PAGES / f"{name}.html").read_bytes().replace(b"{BASE}", BASE.encode())


def cleaned(name: str, url: str = f"{BASE}/fetched/") -> Article:
    result = clean(page(name), url, source="kabar")
    assert isinstance(result, Article), result
    return result


@pytest.mark.parametrize("theme", ["jnews", "tagdiv", "jannah", "plain"])
def test_seed_page_yields_the_nine_paragraphs_and_metadata_in_every_theme(theme: str) -> None:
    article = cleaned(f"seed-{theme}")
    expected = (PAGES / "expected" / f"seed-{theme}.txt").read_text(encoding="utf-8").strip()
    assert article.body == expected
    assert len(article.body.split("\n\n")) == 9
    assert article.title == SEED_TITLE
    assert article.section == "Internasional"
    assert article.language == "id"
    assert article.authors == ["Rina Wulandari"]
    assert article.published_at == datetime(2025, 5, 14, 9, 30, tzinfo=timezone(timedelta(hours=7)))
    assert article.tags == ["Korea Utara", "Rusia", "Kim Jong Un"]
    slug = "pemimpin-korea-utara-mendesak-peningkatan-produksi-cangkang-artileri"
    assert article.canonical_url == f"{BASE}/{theme}/internasional/2025/05/14/{slug}/"
    for phrase in BOILERPLATE:
        assert phrase.casefold() not in article.body.casefold(), phrase


def test_seed_body_has_reduplication_hyphens_repaired() -> None:
    body = cleaned("seed-jnews").body
    assert "baru-baru ini" in body and "bagian-bagian" in body
    assert " -" not in body


def test_keyword_only_in_boilerplate_is_not_in_the_body() -> None:
    article = cleaned("keyword-only-in-boilerplate")
    assert "Cipinang" in article.body
    assert "korea utara" not in article.body.casefold()
    assert "korea utara" not in article.title.casefold()


def test_english_article_is_english_with_its_metadata() -> None:
    article = cleaned("english-world")
    assert article.language == "en"
    assert article.section == "World"
    assert article.authors == ["Daniel Hart"]
    assert article.body == (PAGES / "expected" / "english-world.txt").read_text(encoding="utf-8").strip()
    assert "Read more" not in article.body and "Leave a Reply" not in article.body


def test_article_carries_hash_signature_lead_and_image() -> None:
    article = cleaned("seed-tagdiv")
    assert len(article.content_hash) == 64
    assert len(article.signature) == 128
    assert article.lead.startswith("Kim Jong Un menyerukan")
    assert article.image == f"{BASE}/wp-content/uploads/2025/05/kim-artileri-seed-tagdiv.jpg"
    assert article.updated_at == datetime(2025, 5, 14, 11, 5, tzinfo=timezone(timedelta(hours=7)))


def test_canonical_on_another_site_is_ignored() -> None:
    html = page("seed-jnews").replace(
        b'<link rel="canonical" href="https://kabar.example', b'<link rel="canonical" href="https://mirror.example'
    )
    article = clean(html, f"{BASE}/fetched/?utm_source=rss", source="kabar")
    assert isinstance(article, Article)
    assert article.canonical_url == f"{BASE}/fetched/"


def test_language_hint_wins_only_when_the_identifier_is_unsure() -> None:
    assert cleaned("seed-plain").language == "id"
    result = clean(page("english-world"), f"{BASE}/x/", source="kabar", language_hint="id")
    assert isinstance(result, Article) and result.language == "en"


@pytest.mark.parametrize(
    ("name", "reason"),
    [("gallery", "gallery"), ("tag-page", "tag/category"), ("liveblog-index", "live blog")],
)
def test_non_article_pages_are_rejected_with_a_reason(name: str, reason: str) -> None:
    result = clean(page(name), f"{BASE}/page/", source="kabar")
    assert isinstance(result, Rejection)
    assert reason in result.reason
    assert result.url == f"{BASE}/page/"


def test_listing_url_without_article_markup_is_rejected() -> None:
    html = (
        b"<html><body><h1>Topik: Korea Utara</h1>"
        + b"<h3><a href='/a'>Berita satu dua tiga</a></h3>" * 20
        + b"</body></html>"
    )
    result = clean(html, f"{BASE}/topik/korea-utara/", source="kabar")
    assert isinstance(result, Rejection) and "tag/category" in result.reason


def test_short_page_is_rejected_as_too_little_text() -> None:
    html = b"<html><body><article><p>Video: banjir rendam jalan utama kota pagi ini.</p></article></body></html>"
    result = clean(html, f"{BASE}/video/1/", source="kabar")
    assert isinstance(result, Rejection) and "too little text" in result.reason


@pytest.mark.parametrize(
    ("html", "headers", "reason"),
    [
        (b"", None, "empty body"),
        (b"   \n ", None, "empty body"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", None, "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None, "PNG"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", None, "JPEG"),
        (b'{"cluster_name": "newsmon"}', {"Content-Type": "application/json"}, "not HTML: no HTML markup"),
        (b"plain words, no markup", {}, "not HTML: no HTML markup (Content-Type none)"),
        (bytes(range(256)) * 400, None, "undecodable"),
        (
            b"<html>" + b"\xc3\x28\xa0\xa1" * 20000 + b"</html>",
            {"Content-Type": "text/html; charset=utf-8"},
            "undecodable",
        ),
    ],
)
def test_bad_bytes_are_rejected_with_a_reason(html: bytes, headers: dict[str, str] | None, reason: str) -> None:
    result = clean(html, f"{BASE}/bad/", source="kabar", headers=headers)
    assert isinstance(result, Rejection)
    assert reason in result.reason


def test_page_over_the_size_cap_is_rejected_without_parsing() -> None:
    junk = b"<div><span class='x'>" * (5 * 1024 * 1024 // 21)
    result = clean(junk, f"{BASE}/huge/", source="kabar")
    assert isinstance(result, Rejection) and "too large" in result.reason


def test_junk_markup_under_the_cap_is_handled() -> None:
    junk = b"<html><body>" + b"<div><span class='x'>a</span><b>" * (MAX_PAGE_BYTES // 40) + b"</body></html>"
    result = clean(junk, f"{BASE}/junk/", source="kabar")
    assert isinstance(result, Article | Rejection)
    assert result.url == f"{BASE}/junk/"


def test_ten_thousand_deep_nesting_is_handled() -> None:
    body = page("seed-plain").replace(b"<body>", b"<body>" + b"<div>" * 10_000, 1)
    result = clean(body, f"{BASE}/deep/", source="kabar")
    assert isinstance(result, Article | Rejection)
    assert result.url == f"{BASE}/deep/"


def test_latin1_page_declared_in_meta_is_decoded() -> None:
    text = page("english-world").decode("utf-8").replace("Rotterdam –", "Rotterdam café –")
    text = text.replace('<meta charset="utf-8">', '<meta charset="iso-8859-1">').replace("–", "-").replace("©", "(c)")
    html = text.encode("latin-1")
    result = clean(html, f"{BASE}/latin/", source="kabar")
    assert isinstance(result, Article)
    assert "Rotterdam café" in result.body
