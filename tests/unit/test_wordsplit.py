"""The array splitter (alerts.rules.wordsplit) gives exactly the words and offsets of the regex."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts.rules import wordsplit
from alerts.rules.folding import fold
from alerts.rules.tokens import index_words, split_by_pattern
from db.text import fold as archive_fold
from tests.support.corpora import iter_aeb, iter_fundus
from tests.support.gates import require_corpora

# Texts of the kind the sources publish, and the characters that fold unevenly.
WRITTEN = [
    "Peking liefert Drohnen an Moskau, sagt die Außenministerin — Straße, Maß, groß.",
    "GROSSBRITANNIEN verhängt Sanktionen gegen ẞ-Firmen; Ölpreis +3 %",
    "La Chine nie livrer des armes létales à la Russie… « C'est faux », dit Pékin.",
    "Китай отрицает поставки оружия России; ЁЛКА ёлка йод Й",
    "Україна: Китай постачає компоненти для дронів «Шахед» — ЗМІ",
    "Σοφός ΣΟΦΟΣ σοφος: Ελλάδα και Κίνα",
    "İstanbul'da ıspanak: Türkiye ve Çin",
    "De ﬁnale ﬂow: ﬁrst ﬀ ligatures, snake_case_name, 3D-printer, F-16s",
    "",
    "   \n\t ",
    "x",
    "ǅemal ǈudevit ǋuro",
    "Qualcomm’s chips—found in Russian drones—were sold via Hong Kong (HK$ 1,2 mln).",
]
# Where the pattern has to do it: the splitter says so, and the words still come out right.
NOT_FOR_ARRAYS = [
    "Cafe\u0301 in Ko\u0308ln",  # decomposed accents: combining marks fold to nothing
    "长沙天仪 Spacety 卫星",  # ideographs are words of their own
    "Rocket 🚀 launch",  # beyond the Basic Multilingual Plane
    "½ of the ⒑ drones",  # folds into digits and punctuation at once
]


@pytest.mark.parametrize("text", WRITTEN)
def test_same_words_and_offsets_as_the_pattern(text: str) -> None:
    found = wordsplit.split(text)
    assert found is not None, "the array splitter should take this text"
    assert found == split_by_pattern(text)


@pytest.mark.parametrize("text", NOT_FOR_ARRAYS)
def test_declines_what_only_the_pattern_splits_right(text: str) -> None:
    assert wordsplit.split(text) is None
    words = index_words("", text)
    assert words.words == split_by_pattern(text)[0]


def test_folded_words_read_back_to_the_original() -> None:
    text = "Die Außenministerin traf Xi in PEKING."
    words, starts, ends = split_by_pattern(text)
    assert wordsplit.split(text) == (words, starts, ends)
    assert words == ["die", "aussenministerin", "traf", "xi", "in", "peking"]
    assert [text[a:b] for a, b in zip(starts, ends, strict=True)][1] == "Außenministerin"


def test_real_pages_split_alike() -> None:
    require_corpora()
    taken = 0
    pages = [*iter_fundus(), *iter_aeb()]
    for page in pages:
        for text in (page.expected_title or "", page.expected_text or ""):
            found = wordsplit.split(text)
            if found is not None:
                taken += 1
                assert found == split_by_pattern(text), page.key
    # Most real pages are for the arrays (the rest: CJK, decomposed accents, emoji).
    assert taken >= len(pages)


@given(st.text())
def test_matching_folds_as_the_archive_does(text: str) -> None:
    """Matching's own `fold` (kept apart from `db`) reads every text as the archive's does."""
    assert fold(text) == archive_fold(text)
