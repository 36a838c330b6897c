"""Case- and accent-insensitive text, as the rule language reads it.

Matching keeps its own copy of the archive's folding (`db.text.fold`, used by exact
deduplication) so that it stays free of the database package; a test keeps the two alike.
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """NFKD, combining marks dropped, casefolded: `Schoïgou` and `SCHOIGOU` read alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()
