"""Units of the cleaner: boilerplate guard, normalisation, near-duplicates, material changes, language."""

from __future__ import annotations

import pickle
from dataclasses import replace

from newsmon.cleaning import Article
from newsmon.cleaning.boilerplate import strip_boilerplate
from newsmon.cleaning.dedupe import NEAR_DUPLICATE_THRESHOLD, content_hash, lsh_bands, minhash_signature, similarity
from newsmon.cleaning.language import detect_language
from newsmon.cleaning.normalise import normalise_paragraph, split_paragraphs
from newsmon.cleaning.updates import is_material_change
from tests.test_cleaning import cleaned


def test_guard_stops_at_stop_headings_and_drops_link_lines() -> None:
    lines = [
        "Paragraf satu.",
        "Baca juga: Korea Utara luncurkan rudal",
        "BACA JUGA :",
        "Headline di baris sendiri",
        "Paragraf dua.",
        "Bagikan:",
        "Situs ini menggunakan cookie untuk pengalaman Anda.",
        "Read more: Something else",
        "Paragraf tiga.",
        "Artikel Terkait",
        "Korea Utara di judul terkait",
    ]
    assert strip_boilerplate(lines) == ["Paragraf satu.", "Paragraf dua.", "Paragraf tiga."]


def test_guard_keeps_long_paragraphs_that_mention_banner_words() -> None:
    text = "Regulator menyebut situs itu menggunakan cookie pelacak " + "tanpa izin pengguna " * 15
    assert strip_boilerplate([text]) == [text]


def test_guard_stops_at_english_theme_strings_on_indonesian_pages() -> None:
    lines = ["Teks.", "Back to top button", "Teks lain."]
    assert strip_boilerplate(lines) == ["Teks."]


def test_normalisation_repairs_reduplication_and_whitespace() -> None:
    assert normalise_paragraph("baru -baru ini  dan\tbagian -bagian ") == "baru-baru ini dan bagian-bagian"
    assert normalise_paragraph("Rp 12.400 - 12.700") == "Rp 12.400 - 12.700"
    assert normalise_paragraph("cafe\u0301") == "café"


def test_split_paragraphs_drops_blank_lines() -> None:
    assert split_paragraphs("satu\n\n  \ndua  tiga\n") == ["satu", "dua tiga"]


def test_wire_copies_are_near_duplicates_and_same_topic_article_is_not() -> None:
    a, b = cleaned("wire-copy-a"), cleaned("wire-copy-b")
    other = cleaned("same-topic-unrelated")
    assert similarity(a.signature, b.signature) >= NEAR_DUPLICATE_THRESHOLD
    assert similarity(a.signature, other.signature) < NEAR_DUPLICATE_THRESHOLD
    assert similarity(b.signature, other.signature) < NEAR_DUPLICATE_THRESHOLD
    assert set(lsh_bands(a.signature)) & set(lsh_bands(b.signature))
    assert not set(lsh_bands(a.signature)) & set(lsh_bands(other.signature))


def test_signature_is_deterministic_and_ignores_case_and_spacing() -> None:
    text = "Gempa bermagnitudo 6,1 mengguncang wilayah Maluku Tengah pada Senin dini hari."
    assert minhash_signature(text) == minhash_signature("  " + text.upper().replace(" ", "   "))
    assert pickle.loads(pickle.dumps(minhash_signature(text))) == minhash_signature(text)
    assert minhash_signature("") == [] and lsh_bands([]) == [] and similarity([], []) == 0.0


def test_content_hash_equal_for_copies_differing_only_in_spacing() -> None:
    assert content_hash("Judul", "satu\n\ndua") == content_hash(" judul ", "satu  \n\n dua")
    assert content_hash("Judul", "satu") != content_hash("Judul", "dua")


def test_material_change_is_headline_or_body_beyond_whitespace() -> None:
    article = cleaned("seed-jannah")
    assert not is_material_change(article.title, article.body.replace("\n\n", "\n\n  "), article)
    assert is_material_change("Judul lama", article.body, article)
    edited = replace(article, body=article.body.replace("15.000 tentara", "16.000 tentara"))
    assert is_material_change(article.title, article.body, edited)


def test_language_of_short_texts_falls_back_to_the_hint() -> None:
    assert detect_language("Ports across northern Europe are preparing for a difficult winter of storms.") == "en"
    assert detect_language("Harga beras medium di pasar tradisional Jakarta kembali turun pekan ini.") == "id"
    assert detect_language("OK", hint="id") == "id"
    assert detect_language("", hint=None) == ""


def test_article_round_trips_through_pickle_for_the_process_pool() -> None:
    article = cleaned("seed-plain")
    assert pickle.loads(pickle.dumps(article)) == article
    assert Article.from_dict(article.to_dict()) == article


def test_band_layout_is_the_one_datasketch_picks_for_the_threshold() -> None:
    from datasketch import MinHashLSH

    from newsmon.cleaning import dedupe

    lsh = MinHashLSH(threshold=dedupe.NEAR_DUPLICATE_THRESHOLD, num_perm=dedupe.NUM_PERM)
    assert (lsh.b, lsh.r) == (dedupe.BANDS, dedupe.ROWS)


def test_the_crawl_process_leaves_the_cleaning_libraries_to_its_pool() -> None:
    """Pickling the cleaner by reference imports nothing heavy: trafilatura and scipy (~100 MB) stay in the pool."""
    import subprocess
    import sys

    code = (
        "import pickle, sys\n"
        "import newsmon.scheduler.service, newsmon.crawler.run, newsmon.crawler.spiders.news\n"
        "import newsmon.crawler.pipelines.dedupe, newsmon.crawler.pipelines.indexing\n"
        "from newsmon.crawler.pooled import clean\n"
        "pickle.dumps(clean)\n"
        "print(sorted(m for m in ('trafilatura', 'py3langid', 'datasketch', 'scipy') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_fork_server_preload_loads_everything_a_real_article_needs() -> None:
    """Whatever a worker's first article loads (a library imported lazily, a table built on first use) each worker
    loads into memory of its own; the fork server's warm-up must have loaded it already, once for all workers."""
    import subprocess
    import sys

    from devsupport.site import FIXTURES

    code = (
        "import os, sys\n"
        "os.environ['NEWSMON_POOL_PARENT'] = str(os.getppid())\n"
        "import newsmon.crawler.preload\n"
        "from newsmon.crawler.pooled import clean\n"
        "before = set(sys.modules)\n"
        f"article = clean(open({str(FIXTURES / 'pages/english-world.html')!r}, 'rb').read(), 'https://x.test/a',"
        " source='s')\n"
        "print(type(article).__name__, len(article.signature), sorted(set(sys.modules) - before))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["Article", "128", "[]"], result.stdout[-2000:] + result.stderr[-2000:]


def test_the_newsmon_script_imported_again_in_a_worker_imports_no_cli_library() -> None:
    """multiprocessing imports the command's script again in every cleaning worker (as `__mp_main__`)."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(sys.executable).parent / "newsmon"
    code = (
        "import runpy, sys\n"
        f"runpy.run_path({str(script)!r}, run_name='__mp_main__')\n"
        "print(sorted(m for m in ('newsmon.cli', 'typer', 'rich', 'opensearchpy', 'jinja2') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
