"""`newswatch show ID`: one article as a person reads it in a terminal."""

from __future__ import annotations

import textwrap

import click
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from db.models import Alert, Article, ArticleEntity, Delivery, Match, Source
from newswatch.context import Context, pass_context


def render_article(archive: Engine, article_id: int) -> str | None:
    with Session(archive) as session:
        article = session.get(Article, article_id)
        if article is None:
            return None
        source = session.get(Source, article.source_id) if article.source_id else None
        matches = session.exec(
            select(Match).where(Match.article_id == article_id).order_by(col(Match.id))
        ).all()
        # The article's own alert, and its follow-ups of an earlier alert of its story.
        deliveries = session.exec(
            select(Delivery, Alert)
            .join(Alert, col(Alert.id) == col(Delivery.alert_id))
            .where(col(Delivery.article_id) == article_id)
            .order_by(col(Delivery.id))
        ).all()
        origin = source.name if source else (f"seed {article.seed}" if article.seed else "-")
        lines = [
            f"#{article.id}  {article.title}",
            f"url:        {article.url}",
            f"published:  {article.published.isoformat() if article.published else 'unknown'}",
            f"language:   {article.lang or 'unknown'}",
            f"source:     {origin}",
            f"site:       {article.site_name or '-'}    author: {article.author or '-'}",
            f"story:      {article.story_id}",
        ]
        if article.duplicate_of is not None:
            lines.append(
                f"duplicate:  of #{article.duplicate_of} by {article.dup_method} "
                f"(score {article.dup_score:.2f})"
                if article.dup_score is not None
                else f"duplicate:  of #{article.duplicate_of} by {article.dup_method}"
            )
        lines.append(
            f"relevant:   {'yes' if article.relevant else 'no'}"
            + ("" if article.evaluated_at else " (not evaluated yet)")
        )
        for match in matches:
            terms = sorted({str(t.get("term")) for t in match.terms})
            lines.append(f"rule:       {match.rule}: {', '.join(terms)}")
        entities = session.exec(
            select(ArticleEntity)
            .where(ArticleEntity.article_id == article_id)
            .order_by(col(ArticleEntity.id))
        ).all()
        if entities:
            named = ", ".join(f"{e.entity} ({e.kind}, {e.mentions}x)" for e in entities)
            lines.append(f"entities:   {named}")
        if article.alert_reason:
            lines.append(f"why:        {article.alert_reason}")
        if article.eval_error:
            lines.append(f"rules erred: {article.eval_error}")
        for delivery, alert in deliveries:
            kind = "alert:    " if alert.kind in ("new", "update") else "follow-up:"
            if alert.kind == "legacy":
                kind = "alert:    " if alert.article_id == article_id else "follow-up:"
            lines.append(
                f"{kind}  #{delivery.alert_id} via {delivery.channel}: {delivery.status}, "
                f"{delivery.attempts} attempts"
                + (f", last error: {delivery.last_error}" if delivery.last_error else "")
            )
        lines.append("")
        lines.extend(
            textwrap.fill(paragraph, width=100)
            for paragraph in article.text.split("\n")
            if paragraph
        )
        return "\n".join(lines)


@click.command()
@click.argument("article_id", type=int)
@pass_context
def show(context: Context, article_id: int) -> None:
    """One article: where it came from, its verdicts, matches, alerts and text."""
    text = render_article(context.archive, article_id)
    if text is None:
        raise click.ClickException(f"no article with id {article_id}")
    click.echo(text)
