"""Our written texts as cases, near-copies derived from texts, and the corpus evaluation.

The written texts are in tests/data/devset/texts (see the folder's README); the development
set built from them, and its evaluation, are tests/support/devset_build.py and
tests/support/devset_eval.py. Near-duplicates in one language are derived here, at run time,
from known articles and from real pages of ../shared/corpora read in place: boilerplate
changed, headline changed, paragraphs dropped or reordered, cut short, light edits.
"""

from __future__ import annotations

import random
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from db.config import DedupConfig
from db.dedup.verdict import Verdict, assess, sketch_for
from db.draft import ArticleDraft
from db.models import Article
from db.seeds import import_seeds
from db.store import store_article

ROOT = Path(__file__).resolve().parents[2]
SET_DIR = ROOT / "tests" / "data" / "devset" / "texts"
SEEDS_DIR = ROOT / "seeds"


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    lang: str
    published: date
    title: str
    text: str
    target: str | None = None
    variant: str = ""

    def draft(self) -> ArticleDraft:
        return ArticleDraft(
            url=f"https://dev.example/{self.id}",
            title=self.title,
            text=self.text,
            published=datetime.combine(self.published, datetime.min.time(), tzinfo=UTC),
            lang=self.lang,
        )


def load_cases(folder: Path = SET_DIR) -> list[Case]:
    cases = []
    for path in sorted(folder.glob("*.toml")):
        for entry in tomllib.loads(path.read_text(encoding="utf-8"))["articles"]:
            cases.append(
                Case(
                    id=entry["id"],
                    kind=entry["kind"],
                    lang=entry["lang"],
                    published=entry["published"],
                    title=entry["title"],
                    text=entry["text"].strip(),
                    target=entry.get("target"),
                )
            )
    return cases


# ---- derived near-duplicates -------------------------------------------------------------

_BOILERPLATE = [
    ("Home » World » Europe\nShare this article\n", "\nRead more: our coverage of the war"),
    ("Skip to content\nMenu | Subscribe | Log in\n", "\nAll rights reserved. Comments (12)"),
    ("Breaking | Politics | Live\n", "\nSign up for our newsletter\nFollow us on social media"),
]


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _light_edits(text: str, rng: random.Random, share: float = 0.04) -> str:
    words = text.split(" ")
    for index in rng.sample(range(len(words)), k=max(1, int(len(words) * share))):
        words[index] = rng.choice(["also", "reportedly", "then", "now", "said"])
    return " ".join(words)


def derive_copies(
    case_id: str, title: str, text: str, lang: str, when: date, seed: int
) -> list[Case]:
    """Same-language copies of a known text, one per way publishers change a text."""
    rng = random.Random(seed)
    paras = paragraphs(text)
    head, tail = _BOILERPLATE[seed % len(_BOILERPLATE)]
    keep = sorted(rng.sample(range(len(paras)), k=max(1, round(len(paras) * 0.7))))
    shuffled = paras[:]
    rng.shuffle(shuffled)
    variants = {
        "boilerplate": head + text + tail,
        "headline": text,
        "dropped": "\n\n".join(paras[i] for i in keep),
        "reordered": "\n\n".join(shuffled),
        "cut-short": "\n\n".join(paras[: max(1, (len(paras) + 1) // 2)]),
        "edited": _light_edits(text, rng),
    }
    return [
        Case(
            id=f"{case_id}~{name}",
            kind="near-copy",
            lang=lang,
            published=when,
            title=("Exclusive: " + title[::-1][:40]) if name == "headline" else title,
            text=body,
            target=case_id,
            variant=name,
        )
        for name, body in variants.items()
    ]


@dataclass
class Outcome:
    case: Case
    verdict: Verdict
    target_root: int | None

    @property
    def hit(self) -> bool:
        return self.target_root is not None and self.verdict.duplicate_of == self.target_root


# ---- the real pages of ../shared/corpora -------------------------------------------------

# Pages of the corpora that really are about one event or story (read and checked by hand):
# links between them are right. Keys are the first 12 characters of the pages' keys, sorted.
RELATED_PAGES: dict[frozenset[str], str] = {
    frozenset(pair): reason
    for pair, reason in [
        (("de/Taz_2023_", "de/Taz_2024_"), "the same taz article, published twice"),
        (("06e5123e4ef7", "1ace8c85aaee"), "WeWork investigated by the NY attorney general"),
        (("06e5123e4ef7", "bc13ff87b263"), "WeWork after the NY inquiry: layoffs"),
        (("156770d676ce", "3f65af7b6b98"), "South Dakota's 'Meth. We're on it.' campaign"),
        (("156770d676ce", "c13b9c0e04fb"), "South Dakota's 'Meth. We're on it.' campaign"),
        (("3f65af7b6b98", "776a1c046798"), "South Dakota's 'Meth. We're on it.' campaign"),
        (("232a43fb15ab", "5fa5679de56c"), "Apple's 16-inch MacBook Pro"),
        (("232a43fb15ab", "65bf3048b500"), "Apple's 16-inch MacBook Pro"),
        (("232a43fb15ab", "cc4aa22b8212"), "Apple's 16-inch MacBook Pro, gift guide"),
        (("5fa3154ec031", "624fcd903d56"), "the siege of Hong Kong Polytechnic University"),
        (("14cc2a0ca59c", "686bb170effe"), "water vapour found on Europa (NASA Goddard)"),
        (("14cc2a0ca59c", "f344ca5fb36e"), "water vapour found on Europa (NASA Goddard)"),
        (("08f793762792", "6a72de37e8f9"), "Myles Garrett hits Mason Rudolph, Browns-Steelers"),
        (("6a72de37e8f9", "7ab16ade3238"), "Myles Garrett hits Mason Rudolph, Browns-Steelers"),
        (("55bb6340e3d7", "70cb2d5bca75"), "Taylor Swift's row with Scooter Braun"),
        (("70cb2d5bca75", "eb62ac8425e5"), "Taylor Swift's row with Scooter Braun"),
        (("6ebac05f637e", "7a457a4f7173"), "New York man pleads guilty to threatening Omar"),
        (("7a664e40d256", "82b6d780c792"), "impeachment hearings: Volker, Morrison, Sondland"),
        (("7a664e40d256", "c90731f051d0"), "impeachment hearings: Volker, Morrison"),
        (("432362af0be4", "8b1945303082"), "bubonic plague after eating a wild rabbit"),
        (("521118842884", "8cad00dc22de"), "the musical 'Jang Noksu' at Jeongdong Theater"),
        (("35b158918c67", "9cb8224b660f"), "the Doobie Brothers' 2020 tour"),
        (("35b158918c67", "ac1bfdd4c510"), "the Doobie Brothers' 2020 tour"),
        (("7bb1ca903543", "a078b3656adc"), "duvet feathers and lung disease (BMJ case)"),
        (("7bb1ca903543", "bd673bd79881"), "duvet feathers and lung disease (BMJ case)"),
        (("a6968f427cdb", "aec5deeaada8"), "the 2020 Democratic primary: Deval Patrick, debate"),
        (("42aad16bde92", "c50845a7158a"), "NASA adds companies to its moon lander programme"),
        (("42aad16bde92", "d1c57d7821e5"), "NASA adds companies to its moon lander programme"),
        (("c7e39ac49fa1", "dc7ccccc1f34"), "Sweden drops the Assange investigation"),
        (("ad826691a8a2", "e7d77f186980"), "Black Friday deals on Apple devices"),
        (("264dc3ae3124", "ecb46e3e489d"), "an NHL round-up that holds the Wild-Sabres recap"),
        (("51374560f400", "f8ff621a0b9b"), "Home Depot's third-quarter results"),
    ]
}


def _groups() -> dict[str, str]:
    """Each related page's group: the connected components of RELATED_PAGES."""
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    for pair in RELATED_PAGES:
        first, second = sorted(pair)
        parent[root(second)] = root(first)
    return {key: root(key) for key in parent}


@dataclass
class CorpusReport:
    pages: int = 0
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (page, other, method)
    copies: list[Outcome] = field(default_factory=list)

    def unrelated_links(self) -> list[tuple[str, str, str]]:
        """Links between pages that no chain of related pairs joins (a story's members link
        to its first page, which may not be the page they repeat)."""
        group = _groups()
        return [
            link
            for link in self.links
            if group.get(link[0][:12], link[0]) != group.get(link[1][:12], link[1])
        ]

    def seed_links(self) -> list[tuple[str, str, str]]:
        return [link for link in self.links if link[1].startswith("seed:")]

    def copy_recall(self) -> float:
        return sum(o.hit for o in self.copies) / len(self.copies) if self.copies else 1.0


def evaluate_corpus(
    engine: Engine, pages: Iterable[tuple[str, str, str, str | None]], config: DedupConfig
) -> CorpusReport:
    """Real pages (key, title, text, lang) filed one after the other with the seeds, all
    within four days (the hardest case for the time window); then copies derived from every
    third page are judged against them."""
    import_seeds(engine, SEEDS_DIR, dedup=config)
    report = CorpusReport()
    start = datetime(2024, 4, 10, tzinfo=UTC)
    keys: dict[int, str] = {}
    stored: list[tuple[int, Case]] = []
    with Session(engine) as session:
        for article in session.exec(select(Article)):
            assert article.id is not None
            keys[article.id] = f"seed:{article.seed}"
    for number, (key, title, text, lang) in enumerate(pages):
        case = Case(
            key, "base", lang or "", (start + timedelta(hours=number % 96)).date(), title, text
        )
        draft = ArticleDraft(
            url=f"https://corpus.example/{key}",
            title=title,
            text=text,
            lang=lang,
            published=start + timedelta(hours=number % 96),
        )
        result = store_article(engine, draft, config)
        keys[result.article_id] = key
        report.pages += 1
        other = result.duplicate_of or (
            result.story_id if result.story_id != result.article_id else None
        )
        if other is not None:
            report.links.append((key, keys[other], result.dup_method or "story"))
        if number % 3 == 0 and len(text.split()) >= 150:
            stored.append((result.article_id, case))
    now = datetime.now(UTC)
    with Session(engine) as session:
        for article_id, case in stored:
            known_article = session.get(Article, article_id)
            assert known_article is not None
            root = known_article.duplicate_of or article_id
            for copy in derive_copies(
                case.id, case.title, case.text, case.lang, case.published, article_id
            ):
                draft = copy.draft()
                sketch = sketch_for(
                    draft.title,
                    draft.text,
                    draft.lang,
                    draft.published,
                    now,
                    names=config.name_table(),
                )
                verdict = assess(session, sketch, config)
                report.copies.append(Outcome(copy, verdict, root))
    return report
