"""The not-an-article gate and the general boilerplate rules, on pages shaped like the real ones that went wrong:
articles with many pictures, short briefs, teaser lines in any language, credit lines under the text."""

from __future__ import annotations

from newsmon.cleaning import Article, Rejection, clean
from newsmon.cleaning.language import detect_language
from newsmon.feeds.state import MAX_SHAPES, FeedState
from newsmon.urls import path_shape

BASE = "https://kabar.example"


def sentences(count: int) -> str:
    """`count` distinct paragraphs of about 35 words each."""
    return "".join(
        f"<p>In trench {n}, researchers measured how the ancient glue was made from birch bark, and found that the "
        f"technique was simpler than anyone had thought before the excavation began in year {n}.</p>"
        for n in range(count)
    )


def _page(body: str, head: str = "") -> bytes:
    return f"<html><head><title>Judul berita</title>{head}</head><body>{body}</body></html>".encode()


def test_a_long_article_with_many_pictures_is_an_article() -> None:
    figures = "".join(f"<figure><img src='/i{n}.jpg'><figcaption>Foto {n}</figcaption></figure>" for n in range(30))
    paragraphs = sentences(20)  # ~700 words
    html = _page(f"<article><h1>Judul berita</h1>{paragraphs}{figures}</article>")
    result = clean(html, f"{BASE}/sains/2025/01/01/lem-kuno/", source="kabar")
    assert isinstance(result, Article), result
    assert len(result.body.split()) > 600


def test_a_short_brief_is_an_article() -> None:
    brief = (
        "Gempa bermagnitudo 5,2 mengguncang wilayah selatan Jawa Barat pada Senin pagi. Badan Meteorologi, "
        "Klimatologi, dan Geofisika menyatakan gempa tidak berpotensi tsunami. Warga di Garut dan Tasikmalaya "
        "merasakan guncangan selama beberapa detik, namun belum ada laporan kerusakan bangunan atau korban jiwa "
        "hingga berita ini diturunkan. Petugas masih memantau kemungkinan gempa susulan di kawasan tersebut."
    )
    head = '<meta property="og:type" content="article">'
    result = clean(_page(f"<article><p>{brief}</p></article>", head), f"{BASE}/berita/1/", source="kabar")
    assert isinstance(result, Article), result
    assert 50 < len(result.body.split()) < 70


def test_a_declared_live_blog_with_a_real_text_is_kept_and_a_thin_one_rejected() -> None:
    head = '<script type="application/ld+json">{"@type": "LiveBlogPosting", "headline": "Live"}</script>'
    updates = sentences(12)
    kept = clean(_page(f"<article>{updates}</article>", head), f"{BASE}/live/1/", source="kabar")
    assert isinstance(kept, Article), kept
    thin = clean(
        _page("<article><p>09:00 Hujan deras</p><p>08:00 Air naik</p></article>", head), f"{BASE}/l/2/", source="x"
    )
    assert isinstance(thin, Rejection) and "live blog" in thin.reason


def test_teaser_lines_that_are_links_are_dropped_in_any_language() -> None:
    text = sentences(3)
    teasers = (
        "<p>Lea también: <a href='/otra'>Impiden ingreso a reportero y camarógrafo</a></p>"
        "<p><a href='/x'>Zeitplan bei den Olympischen Spielen in Peking</a></p>"
    )
    prose = "<p>The study, <a href='/paper'>published in PNAS</a>, was led by a team of twelve researchers.</p>"
    result = clean(_page(f"<article>{text}{teasers}{prose}{text}</article>"), f"{BASE}/a/", source="kabar")
    assert isinstance(result, Article), result
    assert "Impiden ingreso" not in result.body and "Zeitplan" not in result.body
    assert "The study, published in PNAS, was led" in result.body
    assert "](" not in result.body


def test_trailing_credit_lines_become_metadata() -> None:
    text = sentences(3)
    credits = "<p>Penulis: Rina Wulandari</p><p>Editor: Budi Santoso</p><p>Sumber: Antara</p>"
    html = _page(f"<article>{text}<p>Menurut dia, situasi sudah aman. (ant/rin)</p>{credits}</article>")
    result = clean(html, f"{BASE}/a/", source="kabar")
    assert isinstance(result, Article), result
    assert result.body.endswith("Menurut dia, situasi sudah aman.")
    assert "Budi Santoso" not in result.body and "Antara" not in result.body
    assert result.authors == ["Rina Wulandari"]
    assert result.editors == ["Budi Santoso"]


def test_a_label_line_inside_the_text_stays() -> None:
    text = sentences(3)
    html = _page(f"<article>{text}<p>Catatan: angka ini belum final.</p>{text}</article>")
    result = clean(html, f"{BASE}/a/", source="kabar")
    assert isinstance(result, Article) and "Catatan: angka ini belum final." in result.body


def test_the_sources_language_is_the_prior_when_the_identifier_hesitates() -> None:
    # Short Indonesian text that py3langid alone labels Malay.
    text = "Kerajaan akan membina jalan raya baharu di kawasan itu tahun depan"
    assert detect_language(text) != "id"
    assert detect_language(text, hint="id") == "id"
    # A clear English text is English whatever the source declares.
    english = "The foreign ministers met in Tokyo on Monday to discuss trade, security and the climate of the region."
    assert detect_language(english, hint="id") == "en"


def test_a_url_shaped_like_the_sources_articles_outweighs_a_weak_signal() -> None:
    # A short article under a /foto/ path (a weak gallery signal), no og:type: the source's other articles live
    # at URLs of this shape, so it is one of them.
    html = _page(f"<article>{sentences(3)}</article>")
    url = f"{BASE}/foto/2025/01/02/banjir-rendam-jalan-utama/"
    assert isinstance(clean(html, url, source="kabar"), Rejection)
    assert isinstance(clean(html, url, source="kabar", like_articles=True), Article)
    declared = _page(
        f"<article>{sentences(3)}</article>", '<script type="application/ld+json">{"@type": "ImageGallery"}</script>'
    )
    assert isinstance(clean(declared, url, source="kabar", like_articles=True), Rejection)  # a declaration still counts


def test_url_shapes_generalise_dates_ids_and_slugs() -> None:
    a = path_shape("https://www.kabar.example/dunia/2025/05/14/rusia-dan-korea-utara/")
    assert a == path_shape("https://kabar.example/dunia/2024/12/01/gencatan-senjata-di-gaza/")
    assert a != path_shape("https://kabar.example/topik/korea-utara/")
    assert path_shape("https://kabar.example/read/123/a-b-c") != path_shape("https://other.example/read/123/a-b-c")


def test_the_feed_state_remembers_the_shapes_of_kept_articles() -> None:
    state = FeedState(url="https://kabar.example/feed", source="kabar")
    sections = [f"bagian{chr(ord('a') + n)}" for n in range(MAX_SHAPES + 5)]
    for section in sections:
        state.kept(f"https://kabar.example/{section}/2025/01/01/satu-dua-tiga/")
    state.kept(f"https://kabar.example/{sections[-7]}/2024/12/31/empat-lima-enam/")
    assert len(state.article_shapes) == MAX_SHAPES
    assert state.article_shapes[-1] == f"kabar.example/{sections[-7]}/9/9/9/*/"
    assert FeedState.from_doc(state.to_doc()).article_shapes == state.article_shapes
