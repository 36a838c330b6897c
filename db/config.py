"""The archive's section of config.toml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


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
    """Thresholds of the deduplicator; the defaults were chosen on the development set
    (tests/data/dedup) and the real pages, see the README's deduplication section."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    near_threshold: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="share of a new article's word shingles already in one known article "
        "that makes it a near-duplicate (method `near`)",
    )
    cross_lingual_threshold: float = Field(
        default=0.45,
        ge=0.0,
        le=1.0,
        description="fingerprint overlap (names, numbers, dates) that makes an article a copy "
        "of a known one in any language (method `cross-lingual`)",
    )
    cross_lingual_min_shared: float = Field(
        default=5.0,
        ge=0.0,
        description="least weight of shared fingerprint features for a cross-lingual copy "
        "(a number or date counts 2, a name 1, a frequent actor 0.4, a first name 0.3, a "
        "country 0.2): short texts share too little to judge",
    )
    story_threshold: float = Field(
        default=0.4,
        ge=0.0,
        le=1.0,
        description="fingerprint overlap with which an article that is not a copy still joins "
        "the known article's story",
    )
    story_min_shared: float = Field(
        default=4.0, ge=0.0, description="least shared feature weight to join a story"
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
