"""The archive's section of config.toml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from db.dedup.names import Names, names_for


class DatabaseConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(
        default="sqlite:///data/newswatch.db",
        description="SQLAlchemy URL of the archive: sqlite:///PATH (relative paths are taken "
        "from the config file's folder) or postgresql+psycopg://USER@HOST:PORT/DB.",
    )
    irrelevant_text_days: int | None = Field(
        default=None,
        ge=1,
        description="drop the text of irrelevant articles after this many days (the row, its "
        "URL and dedup keys stay); unset: keep every text",
    )


class DedupConfig(BaseModel):
    """Thresholds of the deduplicator and the topic's spellings of names; the defaults were
    chosen on the development set (tests/data/devset) and the real pages, see the README's
    deduplication section."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    near_threshold: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="share of a new article's word shingles already in one known article "
        "that makes it a near-duplicate (method `near`)",
    )
    cross_lingual_threshold: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="fingerprint overlap (names, numbers, dates) that makes an article a copy "
        "of a known one in any language (method `cross-lingual`)",
    )
    cross_lingual_min_shared: float = Field(
        default=2.0,
        ge=0.0,
        description="least weight of shared fingerprint features for a cross-lingual copy "
        "(a number, date or quoted name counts 2, a name 1, a first name 0.3, a place 0.2, "
        "each times its specificity in the archive): short texts share too little to judge",
    )
    off_centre_threshold: float = Field(
        default=0.65,
        ge=0.0,
        le=1.0,
        description="fingerprint overlap a cross-lingual copy needs when the name it mentions "
        "most is not in the known article (a report of another statement in the same news "
        "cycle has someone else at its centre; a translated institution, Treasury and "
        "Trésor, is not matched by name)",
    )
    contained_threshold: float = Field(
        default=0.85,
        ge=0.0,
        le=1.0,
        description="fingerprint overlap with which a new text shorter than the known one (a "
        "teaser, a live-blog entry, a lead) is a copy with less shared weight: almost all of "
        "what it names is in the known article",
    )
    contained_min_shared: float = Field(
        default=1.0,
        ge=0.0,
        description="least shared feature weight for a short text that the known article "
        "contains (`contained_threshold`)",
    )
    story_threshold: float = Field(
        default=0.4,
        ge=0.0,
        le=1.0,
        description="fingerprint overlap with which an article that is not a copy still joins "
        "the known article's story",
    )
    story_min_shared: float = Field(
        default=1.5, ge=0.0, description="least shared feature weight to join a story"
    )
    window_days: int = Field(
        default=7,
        ge=0,
        le=60,
        description="cross-lingual copies and story members are looked for within this many "
        "days of the article's publication (near-duplicates at any distance)",
    )
    max_candidates: int = Field(
        default=8,
        ge=1,
        le=200,
        description="known articles compared in full per method (the index ranks them first)",
    )
    names: dict[str, list[str]] = Field(
        default_factory=dict,
        description="the topic's names that languages spell differently beyond what the "
        "deduplicator knows (countries and their adjectives, spellings by sound): canonical "
        'form -> its other forms, e.g. beijing = ["peking", "pekin"]',
    )

    def name_table(self) -> Names:
        return names_for(tuple(sorted((k, tuple(v)) for k, v in self.names.items())))
