"""The labelled pages of tests/fixtures/international/labelled.yaml as article pages and category-less feeds.

Each row becomes a full page: a header menu naming every section (which must not count as the article's section), a
"popular" sidebar naming foreign places (which must not count as the article's places), the title, the lead, the row's
second paragraph and two neutral filler paragraphs. Used by tests/test_international.py and bench/international.py.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

import yaml

from tests.support.site import FIXTURES, FixtureSite

TABLE = FIXTURES / "international" / "labelled.yaml"

_FILLER = {
    "id": (
        "Keterangan tersebut disampaikan kepada wartawan pada hari yang sama dan dibenarkan oleh pejabat yang "
        "berwenang. Pihak terkait menyatakan akan terus memantau perkembangan situasi serta memberikan pembaruan "
        "secara berkala kepada masyarakat melalui kanal resmi.",
        "Sejumlah pengamat menilai langkah tersebut perlu diikuti kebijakan lanjutan yang jelas dan terukur. Mereka "
        "juga berharap semua pihak dapat menahan diri dan mengedepankan dialog agar persoalan ini segera selesai.",
    ),
    "en": (
        "The statement was confirmed later in the day by officials familiar with the matter. Authorities said they "
        "would continue to monitor the situation closely and publish regular updates through their official channels.",
        "Analysts said the move would need to be followed by clear and measurable policies. They also urged all "
        "parties to exercise restraint and to favour dialogue so that the issue could be resolved quickly.",
    ),
}
_MENU = ("Nasional", "Internasional", "Dunia", "Ekonomi", "Olahraga", "World", "Business")
_SIDEBAR = ("Korea Utara uji coba rudal di dekat Tokyo", "Banjir besar melanda Jakarta Utara")


@dataclass(frozen=True)
class Page:
    id: str
    site: str
    path: str
    label: str  # "international" or "domestic"
    html: str
    title: str
    tricky: str = ""


def rows() -> tuple[dict, list[dict]]:
    data = yaml.safe_load(TABLE.read_text(encoding="utf-8"))
    return data["sites"], data["pages"]


def pages() -> list[Page]:
    sites, table = rows()
    return [_page(n, row, sites[row["site"]]) for n, row in enumerate(table, start=1)]


def serve(site: FixtureSite, name: str) -> list[Page]:
    """Serve the pages of fixture site `name` on `site`, and their feed (no categories) at /feed/."""
    served = [p for p in pages() if p.site == name]
    for page in served:
        site.set(page.path, page.html)
    items = "".join(
        f"<item><title>{html.escape(p.title)}</title><link>{{BASE}}{p.path}</link>"
        "<pubDate>Tue, 01 Dec 2026 08:00:00 GMT</pubDate></item>"
        for p in served
    )
    site.set("/feed/", f"<?xml version='1.0'?><rss version='2.0'><channel><title>{name}</title>{items}</channel></rss>")
    return served


def _page(n: int, row: dict, site: dict) -> Page:
    slug = "-".join(re.findall(r"[a-z0-9]+", row["title"].lower())[:8])
    directory = row.get("dir")
    path = f"/{directory}/{slug}" if directory else f"/read/{n:05d}/{slug}"
    return Page(row["id"], row["site"], path, row["label"], _html(row, site), row["title"], row.get("tricky", ""))


def _html(row: dict, site: dict) -> str:
    e = html.escape
    language = site["language"]
    article = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": row["title"],
               "datePublished": "2026-12-01T08:00:00+07:00", "author": "Redaksi"}  # fmt: skip
    head = [f'<meta property="og:title" content="{e(row["title"])}">', '<meta property="og:type" content="article">',
            f'<meta name="description" content="{e(row["lead"])}">']  # fmt: skip
    section, crumbs = row.get("section"), row.get("crumbs") or []
    if section and row["site"] == "warta":
        article["articleSection"] = section
    elif section:
        head.append(f'<meta property="article:section" content="{e(section)}">')
    scripts = [article]
    if crumbs and row["site"] == "globe":
        trail = [{"@type": "ListItem", "position": i, "name": c} for i, c in enumerate(crumbs, start=1)]
        scripts.append({"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": trail})
    head += [f'<script type="application/ld+json">{json.dumps(s)}</script>' for s in scripts]
    trail_html = ""
    if crumbs and row["site"] != "globe":
        trail_html = '<ol class="breadcrumb">' + "".join(f"<li><a href='#'>{e(c)}</a></li>" for c in crumbs) + "</ol>"
    paragraphs = [row["lead"], *([row["more"]] if row.get("more") else []), *_FILLER[language]]
    return (
        f"<!doctype html><html lang='{language}'><head><meta charset='utf-8'><title>{e(row['title'])} - "
        f"{e(site['name'])}</title>{''.join(head)}</head><body>"
        f"<header><nav class='menu'><ul>{''.join(f'<li><a href=#>{m}</a></li>' for m in _MENU)}</ul></nav></header>"
        f"<main>{trail_html}<article><h1>{e(row['title'])}</h1>"
        f"{''.join(f'<p>{e(p)}</p>' for p in paragraphs)}</article></main>"
        f"<aside class='sidebar'><h3>Terpopuler</h3><ul>{''.join(f'<li><a href=#>{s}</a></li>' for s in _SIDEBAR)}"
        f"</ul></aside><footer><p>&copy; 2026 {e(site['name'])}</p></footer></body></html>"
    )
