"""Builds the deduplication development set, tests/data/devset/dedup.jsonl, from our texts.

The texts we wrote are in tests/data/devset/texts/*.toml (see the folder's README). Real
coverage is rarely that clean, so each text also comes out the way pages deliver it, by a
deterministic rewrite of our own text (nothing from outside the repo):

- `furniture`: a photo caption printed twice (two other officials and a date a year
  earlier), a byline ("Author: ... Source: ..."), a dateline, publication stamps, section
  tags, "read more" headlines and a newsletter line, in the text's language;
- `lead`: the first 800-2,000 characters, with some furniture (agency shorts, paywalls);
- `teaser`: the first paragraph and a subscription line;
- `liveblog`: one or two paragraphs under a time stamp;
- `reordered`: paragraphs in another order;
- `spelling`: names spelt as another language or agency spells them (Shoigu, Schoigu,
  Sjojgoe, Choïgou);
- `date-off`, `month-only`, `undated`: the date a few days later, known to the month only,
  or missing.

A variant points at the text it was made from (`duplicate_of` an id of the file), so the
set also holds chains: a copy of a copy whose root is the seed.

Run `.venv/bin/python -m tests.support.devset_build` to write the file again (the output is
committed; a test checks that it is up to date).
"""

from __future__ import annotations

import json
import random
import re
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEXTS_DIR = ROOT / "tests" / "data" / "devset" / "texts"
OUTPUT = ROOT / "tests" / "data" / "devset" / "dedup.jsonl"

COPY_KINDS = ("translation", "wire-copy", "original")


@dataclass(frozen=True)
class Written:
    id: str
    kind: str
    lang: str
    published: date
    title: str
    text: str
    target: str | None
    relevant: bool


def load_written(where: Path = TEXTS_DIR) -> list[Written]:
    """Our texts from a folder of TOML files, or from one file."""
    texts = []
    for path in sorted(where.glob("*.toml")) if where.is_dir() else [where]:
        for entry in tomllib.loads(path.read_text(encoding="utf-8"))["articles"]:
            texts.append(
                Written(
                    id=entry["id"],
                    kind=entry["kind"],
                    lang=entry["lang"],
                    published=entry["published"],
                    title=entry["title"],
                    text=entry["text"].strip(),
                    target=entry.get("target"),
                    relevant=entry.get("relevant", entry["kind"] not in {"unrelated", "near-miss"}),
                )
            )
    return texts


# ---- furniture, per language -------------------------------------------------------------

_OTHERS = [
    "Annalena Baerbock",
    "Josep Borrell",
    "Jens Stoltenberg",
    "Mark Rutte",
    "Li Qiang",
    "Ursula von der Leyen",
    "Emmanuel Macron",
    "Hakan Fidan",
    "Kaja Kallas",
    "Dmytro Kuleba",
]
_AGENCIES = ["Reuters", "AFP", "AP", "dpa", "ANP", "Getty Images", "EPA"]
_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
}
_CAPTION = {
    "en": "{a} and {b} at an earlier meeting on {day}. Photo: {agency}",
    "de": "{a} und {b} bei einem früheren Treffen am {day}. Foto: {agency}",
    "nl": "{a} en {b} tijdens een eerdere ontmoeting op {day}. Beeld {agency}",
    "fr": "{a} et {b} lors d'une précédente rencontre, le {day}. Photo {agency}",
}
_BYLINE = {
    "en": "Author: {person} | Source: {agency}, {agency2}",
    "de": "Autor: {person} · Quelle: {agency}, {agency2}",
    "nl": "Door: {person} · Bron: {agency}",
    "fr": "Par {person} · Source : {agency}",
}
_STAMP = {
    "en": "Published {d:%d.%m.%Y}, {h:02d}:{m:02d} | Updated {h2:02d}:{m:02d}",
    "de": "Veröffentlicht am {d:%d.%m.%Y} um {h:02d}:{m:02d} Uhr | "
    "Aktualisiert {h2:02d}:{m:02d} Uhr",
    "nl": "Gepubliceerd {d:%d-%m-%Y}, {h:02d}:{m:02d} | Bijgewerkt {h2:02d}:{m:02d}",
    "fr": "Publié le {d:%d/%m/%Y} à {h:02d}h{m:02d} | Mis à jour à {h2:02d}h{m:02d}",
}
_TAGS = {
    "en": "Topics: World · Politics · Conflict · Diplomacy",
    "de": "Themen: Ausland · Politik · Krieg · Diplomatie",
    "nl": "Onderwerpen: Buitenland · Politiek · Oorlog · Diplomatie",
    "fr": "Sujets : International · Politique · Guerre · Diplomatie",
}
_READ_MORE = {
    "en": "Read more:",
    "de": "Lesen Sie auch:",
    "nl": "Lees ook:",
    "fr": "À lire aussi :",
}
_RELATED = {
    "en": [
        "EU agrees new sanctions package against {n} firms",
        "{a} visits Kyiv for talks on air defence",
        "Markets slide as oil climbs above ${n} a barrel",
        "{a} calls for ceasefire talks before the summit",
    ],
    "de": [
        "EU einigt sich auf neues Sanktionspaket gegen {n} Firmen",
        "{a} besucht Kiew für Gespräche über Luftabwehr",
        "Ölpreis steigt auf über {n} Dollar je Barrel",
        "{a} fordert Waffenstillstandsgespräche vor dem Gipfel",
    ],
    "nl": [
        "EU akkoord over nieuw sanctiepakket tegen {n} bedrijven",
        "{a} bezoekt Kyiv voor overleg over luchtverdediging",
        "Olieprijs stijgt boven {n} dollar per vat",
        "{a} roept op tot gesprekken over een staakt-het-vuren",
    ],
    "fr": [
        "L'UE adopte un nouveau paquet de sanctions contre {n} entreprises",
        "{a} en visite à Kiev pour parler de défense aérienne",
        "Le pétrole grimpe au-dessus de {n} dollars le baril",
        "{a} appelle à des pourparlers de cessez-le-feu avant le sommet",
    ],
}
_NEWSLETTER = {
    "en": "Sign up for our daily briefing and get the news in your inbox every morning.",
    "de": "Abonnieren Sie unseren Newsletter und erhalten Sie jeden Morgen die Nachrichten.",
    "nl": "Schrijf je in voor onze nieuwsbrief en ontvang elke ochtend het nieuws.",
    "fr": "Inscrivez-vous à notre newsletter et recevez l'essentiel chaque matin.",
}
_SHARE = {
    "en": "Share this article: X | Facebook | WhatsApp | Email",
    "de": "Artikel teilen: X | Facebook | WhatsApp | E-Mail",
    "nl": "Deel dit artikel: X | Facebook | WhatsApp | E-mail",
    "fr": "Partager : X | Facebook | WhatsApp | E-mail",
}
_PAYWALL = {
    "en": "Subscribe to read the full article. Already a subscriber? Log in.",
    "de": "Lesen Sie weiter mit unserem Abo. Schon Abonnent? Hier anmelden.",
    "nl": "Lees verder met een abonnement. Al abonnee? Log in.",
    "fr": "Abonnez-vous pour lire la suite. Déjà abonné ? Connectez-vous.",
}
_DATELINE = {
    "en": "WASHINGTON ({agency}) –",
    "de": "Washington ({agency}) -",
    "nl": "WASHINGTON ({agency}) -",
    "fr": "Washington ({agency}) -",
}
_PEOPLE = ["Maria Jansen", "Thomas Berger", "Claire Dubois", "James Holt", "Sanne de Vries"]

# How agencies and languages spell the names our texts use (the first is the English form).
SPELLINGS = [
    ("Shoigu", "Schoigu", "Sjojgoe", "Choïgou", "Shoygu"),
    ("Sergei", "Sergej", "Sergej", "Sergueï", "Sergey"),
    ("Lavrov", "Lawrow", "Lavrov", "Lavrov", "Lavrov"),
    ("Peskov", "Peskow", "Peskov", "Peskov", "Peskov"),
    ("Zelensky", "Selenskyj", "Zelensky", "Zelensky", "Zelenskiy"),
    ("Reznikov", "Resnikow", "Reznikov", "Reznikov", "Reznikov"),
    ("Oleksii", "Olexij", "Oleksii", "Oleksiï", "Oleksiy"),
    ("Putin", "Putin", "Poetin", "Poutine", "Putin"),
    ("Vladimir", "Wladimir", "Vladimir", "Vladimir", "Vladimir"),
    ("Dmitry", "Dmitri", "Dmitri", "Dmitri", "Dmitriy"),
    ("Yang Jiechi", "Yang Jiechi", "Yang Jiechi", "Yang Jiechi", "Yang Jie-chi"),
]
_SPELLING_COLUMN = {"en": 0, "de": 1, "nl": 2, "fr": 3}


def _caption(lang: str, when: date, rng: random.Random) -> str:
    a, b = rng.sample(_OTHERS, 2)
    earlier = when - timedelta(days=rng.randint(330, 400))
    month = _MONTHS[lang].split()[earlier.month - 1]
    day = (
        f"{month} {earlier.day}, {earlier.year}"
        if lang == "en"
        else f"{earlier.day}. {month} {earlier.year}"
    )
    if lang in {"nl", "fr"}:
        day = f"{earlier.day} {month} {earlier.year}"
    return _CAPTION[lang].format(a=a, b=b, day=day, agency=rng.choice(_AGENCIES))


def _related(lang: str, rng: random.Random) -> str:
    headline = rng.choice(_RELATED[lang]).format(a=rng.choice(_OTHERS), n=rng.randint(12, 240))
    return f"{_READ_MORE[lang]} {headline}"


def _stamp(lang: str, when: date, rng: random.Random) -> str:
    hour = rng.randint(6, 20)
    return _STAMP[lang].format(d=when, h=hour, h2=min(23, hour + 2), m=rng.randint(0, 59))


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def with_furniture(text: str, lang: str, when: date, rng: random.Random, full: bool = True) -> str:
    """Our text as an extracted page gives it: captions, byline, dateline and the rest."""
    paras = paragraphs(text)
    agency = rng.choice(_AGENCIES)
    caption = _caption(lang, when, rng)
    paras[0] = f"{_DATELINE[lang].format(agency=agency)} {paras[0]}"
    head = [caption, caption] if full else [caption]
    head.append(
        _BYLINE[lang].format(
            person=rng.choice(_PEOPLE), agency=agency, agency2=rng.choice(_AGENCIES)
        )
    )
    head.append(_stamp(lang, when, rng))
    body = paras[:]
    if full and len(body) > 2:
        body.insert(len(body) // 2, _related(lang, rng))
    tail = [_TAGS[lang], _related(lang, rng), _NEWSLETTER[lang], _SHARE[lang]]
    if not full:
        tail = tail[: rng.randint(1, 3)]
    return "\n\n".join(head + body + tail)


def lead(text: str, rng: random.Random) -> str:
    """The first 800 to 2,000 characters, cut at a paragraph (or sentence) end."""
    limit = rng.randint(800, 2000)
    kept: list[str] = []
    for para in paragraphs(text):
        if kept and sum(len(p) for p in kept) + len(para) > limit:
            break
        kept.append(para)
    if len(kept) == 1 and len(kept[0]) > limit:
        sentences = re.split(r"(?<=[.!?])\s+", kept[0])
        kept = [" ".join(sentences[: max(1, len(sentences) // 2)])]
    return "\n\n".join(kept)


def respelled(text: str, lang: str, rng: random.Random) -> str | None:
    """The text with its names spelt as another language or agency spells them; None when
    it names none of them."""
    own = _SPELLING_COLUMN.get(lang, 0)
    others = [column for column in range(5) if column != own]
    column = rng.choice(others)
    changed = text
    for forms in SPELLINGS:
        for form in set(forms):
            if form != forms[column]:
                changed = re.sub(rf"\b{re.escape(form)}\b", forms[column], changed)
    return changed if changed != text else None


# ---- records -----------------------------------------------------------------------------


def _record(
    id: str,
    kind: str,
    lang: str,
    when: str | None,
    title: str,
    text: str,
    relevant: bool,
    duplicate_of: str | None,
    dup_kind: str | None,
) -> dict[str, object]:
    return {
        "id": id,
        "url": f"https://devset.example/{lang}/{id}",
        "title": title,
        "lang": lang,
        "date": when,
        "text": text,
        "relevant": relevant,
        "duplicate_of": duplicate_of,
        "dup_kind": dup_kind,
        "kind": kind,
    }


def _target(written: Written) -> str | None:
    if written.target is None:
        return None
    return written.target.removeprefix("seed:")


def _label(written: Written) -> tuple[str, str | None, str | None]:
    """(kind, duplicate_of, dup_kind) of a written text."""
    if written.kind == "base":
        return "new-development", None, None
    if written.kind in COPY_KINDS:
        return written.kind, _target(written), "translation"
    if written.kind == "same-event":
        return written.kind, _target(written), "same-story"
    return written.kind, None, None


def variants(written: Written, number: int) -> Iterator[dict[str, object]]:
    """The written text as pages deliver it (see the module docstring)."""
    rng = random.Random(f"{written.id}:{number}")
    kind, _dup, _dup_kind = _label(written)
    if kind in {"unrelated", "near-miss"}:
        # Background, delivered once with its furniture: it must stay unlinked.
        yield _record(
            f"{written.id}~furniture",
            kind,
            written.lang,
            written.published.isoformat(),
            written.title,
            with_furniture(written.text, written.lang, written.published, rng),
            written.relevant,
            written.id,
            "translation",
        )
        return
    # A page of this text is a copy of it; a report of the same event stays a report of it.
    same = "same-story" if kind == "same-event" else "translation"
    # A page of an original or of a new development is a wire copy of it (a copy of a new
    # development must be linked to it, and it is no new development of its own).
    out_kind = "wire-copy" if kind in {"original", "new-development"} else kind
    day = written.published
    plans: list[tuple[str, str, str | None, str]] = [
        (
            "furniture",
            with_furniture(written.text, written.lang, day, rng),
            day.isoformat(),
            written.title,
        ),
        (
            "lead",
            with_furniture(lead(written.text, rng), written.lang, day, rng, full=False),
            (day + timedelta(days=rng.randint(1, 3))).isoformat(),
            written.title,
        ),
    ]
    if kind in (*COPY_KINDS, "same-event"):
        first = paragraphs(written.text)[0]
        plans.append(("teaser", f"{first}\n\n{_PAYWALL[written.lang]}", None, written.title))
        shuffled = paragraphs(written.text)
        rng.shuffle(shuffled)
        plans.append(("reordered", "\n\n".join(shuffled), day.strftime("%Y-%m"), written.title))
    if kind in COPY_KINDS:
        blog = paragraphs(written.text)[: rng.randint(1, 2)]
        stamp = f"{rng.randint(7, 22):02d}:{rng.randint(0, 59):02d}"
        plans.append(
            (
                "liveblog",
                f"{stamp} – {written.title}\n\n" + "\n\n".join(blog),
                (day + timedelta(days=rng.randint(0, 2))).isoformat(),
                written.title,
            )
        )
    spelt = respelled(written.text, written.lang, rng)
    if spelt is not None:
        plans.append(("spelling", spelt, (day + timedelta(days=1)).isoformat(), written.title))
    for name, text, when, title in plans:
        yield _record(
            f"{written.id}~{name}",
            out_kind,
            written.lang,
            when,
            title,
            text,
            written.relevant,
            written.id,
            same,
        )


def build(texts: list[Written]) -> list[dict[str, object]]:
    """Every written text, then its variants, in an order a crawl could bring them: shuffled,
    but never a variant before the text it was made from."""
    records: list[dict[str, object]] = []
    for number, written in enumerate(texts):
        kind, duplicate_of, dup_kind = _label(written)
        records.append(
            _record(
                written.id,
                kind,
                written.lang,
                written.published.isoformat(),
                written.title,
                written.text,
                written.relevant,
                duplicate_of,
                dup_kind,
            )
        )
        records.extend(variants(written, number))
    rng = random.Random(0x0DED)
    rng.shuffle(records)
    ids = {str(r["id"]) for r in records}
    placed: set[str] = set()
    ordered: list[dict[str, object]] = []
    pending = records
    while pending:
        waiting = []
        for record in pending:
            target = record["duplicate_of"]
            if isinstance(target, str) and target in ids and target not in placed:
                waiting.append(record)
            else:
                ordered.append(record)
                placed.add(str(record["id"]))
        pending = waiting
    return ordered


def render(records: list[dict[str, object]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def main() -> None:
    records = build(load_written())
    OUTPUT.write_text(render(records), encoding="utf-8")
    sys.stdout.write(f"{OUTPUT.relative_to(ROOT)}: {len(records)} records\n")


if __name__ == "__main__":
    main()
