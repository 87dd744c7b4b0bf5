"""A generated corpus of hostile feeds: each case hides two good items among broken, oversized or misleading
content. Seeded, so a failure names a case that can be generated again (`cases(seed)`)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

GOOD_CATEGORY = "Dunia"  # only the good items carry it: the source's rule fetches nothing else


@dataclass(frozen=True)
class Case:
    name: str
    body: bytes
    content_type: str = "application/rss+xml"
    good: list[str] = field(default_factory=list)  # article paths that must be indexed
    error: str | None = None  # the feed error expected instead


def _item(link: str | None, title: str = "Berita", category: str = "Lokal", extra: str = "") -> str:
    link_xml = f"<link>{link}</link>" if link is not None else ""
    return f"<item><title>{title}</title>{link_xml}<category>{category}</category>{extra}</item>"


def _feed(items: list[str], declaration: str = "<?xml version='1.0' encoding='utf-8'?>", doctype: str = "") -> str:
    return f"{declaration}{doctype}<rss version='2.0'><channel><title>Fuzz</title>{''.join(items)}</channel></rss>"


def _good(name: str, relative: bool = False) -> tuple[list[str], list[str]]:
    paths = [f"/dunia/{name}-{n}" for n in range(2)]
    base = "" if relative else "{BASE}"
    return paths, [_item(base + path, f"Kabar {name} {n}", GOOD_CATEGORY) for n, path in enumerate(paths)]


def _mutated(rng: random.Random, text: str, count: int) -> str:
    chars = list(text)
    for _ in range(count):
        chars[rng.randrange(len(chars))] = rng.choice("<>&\"'\x00\x01\x1b;/=\ufffd\u202e")
    return "".join(chars)


def cases(seed: int = 12, mutations: int = 40) -> list[Case]:
    rng = random.Random(seed)
    out: list[Case] = []

    def add(name: str, template: str, junk: list[str], encoding: str = "utf-8", **kw: object) -> None:
        paths, good = _good(name, relative=bool(kw.get("relative")))
        text = template.replace("{GOOD0}", good[0]).replace("{GOOD1}", good[1]).replace("{JUNK}", "".join(junk))
        error = kw.get("error")
        out.append(Case(name, text.encode(encoding), good=[] if error else paths, error=error))  # type: ignore[arg-type]

    layout = _feed(["{GOOD0}", "{JUNK}", "{GOOD1}"])
    for n in range(mutations):  # malformed XML: random damage inside one item between the good ones
        junk = _mutated(rng, _item("{BASE}/lokal/junk", "Judul rusak"), rng.randint(1, 8))
        add(f"malformed-{n}", layout, [junk])
    add("unescaped", layout, [_item("{BASE}/lokal/a?b=1&c=2", "Tom & Jerry <b>tebal")])
    add("mismatched-tags", layout, ["<item><title>x</titel><link>{BASE}/lokal/x</link></item>"])
    add("control-chars", layout, [_item("{BASE}/lokal/x", "a\x01\x02\x1bb")])
    quoted = [_item("{BASE}/lokal/x", "caf\u00e9 \u201ckutipan\u201d")]
    add("cp1252-declared-utf8", layout, quoted, encoding="cp1252")
    add("utf8-declared-latin1", layout.replace("utf-8", "iso-8859-1"), quoted)
    # The fixture server's {BASE} cannot be found in UTF-16 bytes: relative links, resolved against the feed URL.
    add("utf16-bom", layout.replace("utf-8", "utf-16"), quoted, encoding="utf-16", relative=True)
    add("cp1252-undeclared", layout.replace(" encoding='utf-8'", ""), quoted, encoding="cp1252")
    laughs = "".join(f"<!ENTITY l{i} '{f'&l{i - 1};' * 10}'>" for i in range(1, 10))
    bomb = f"<!DOCTYPE rss [<!ENTITY l0 'ha'>{laughs}]>"
    add("entity-bomb", _feed(["{GOOD0}", "{JUNK}", "{GOOD1}"], doctype=bomb), [_item(None, "&l9;")])
    xxe = "<!DOCTYPE rss [<!ENTITY secret SYSTEM 'file:///etc/passwd'>]>"
    add("external-entity", _feed(["{GOOD0}", "{JUNK}", "{GOOD1}"], doctype=xxe), [_item("{BASE}/lokal/x", "&secret;")])
    add("no-links", layout, [_item(None, "tanpa tautan"), "<item><description>kosong</description></item>"])
    add("relative-links", layout, [_item("lokal/relatif")], relative=True)
    many = [_item(f"{{BASE}}/lokal/{n}", f"Lokal {n}") for n in range(9_998)]
    add("ten-thousand-items", layout, many)
    padding = _item("{BASE}/lokal/pad", "pad", extra=f"<description>{'x' * (4 * 1024 * 1024)}</description>")
    add("four-megabytes", layout, [padding])
    ten_mb = _item("{BASE}/lokal/pad", "pad", extra=f"<description>{'x' * (10 * 1024 * 1024)}</description>")
    add("ten-megabytes", layout, [ten_mb], error="larger than download max size")
    add("html-as-feed", "<!doctype html><html><body><p>{GOOD0}</p></body></html>", [], error="an HTML page")
    return out
