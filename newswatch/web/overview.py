"""The overview (charts), the rules with their precision, and the sources' health."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from db.coverage import alert_volume, rule_coverage, story_coverage, top_entities, top_stories
from db.models import utcnow
from db.store import list_sources
from db.triage import rule_quality
from newswatch.web.charts import bar_list, days_back, line_chart, with_spikes
from newswatch.web.render import page
from newswatch.web.state import state
from spiders.config import interval_seconds

DAYS = 90


def overview_page(request: Request) -> Response:
    web = state(request)
    today = utcnow().date()
    days = days_back(today, DAYS)
    coverage = {rule: with_spikes(c, days) for rule, c in rule_coverage(web.archive, DAYS).items()}
    stories = top_stories(web.archive, DAYS)
    story_series = {
        f"#{story} {title[:40]}": with_spikes(story_coverage(web.archive, story), days)
        for story, title, _n in stories
    }
    volume = {"alerts": with_spikes(alert_volume(web.archive, DAYS), days)}
    spikes = [
        (name, p.day, p.count)
        for name, points in (coverage | story_series | volume).items()
        for p in points
        if p.spike
    ]
    return page(
        request,
        "overview.html",
        {
            "title": "Overview",
            "coverage": line_chart("articles matched per day, per rule", coverage),
            "legend": list(coverage),
            "stories_chart": line_chart("articles per day of the largest stories", story_series),
            "stories": stories,
            "entities": bar_list("articles naming each entity", top_entities(web.archive, DAYS)),
            "volume": line_chart("alerts per day", volume),
            "spikes": sorted(spikes, key=lambda s: s[1], reverse=True),
        },
    )


def rules_page(request: Request) -> Response:
    web = state(request)
    days = days_back(utcnow().date(), DAYS)
    coverage = rule_coverage(web.archive, DAYS)
    quality = rule_quality(web.archive)
    rows = [
        {
            "rule": rule,
            "chart": line_chart(
                f"{rule.name}: articles matched per day",
                {rule.name: with_spikes(coverage.get(rule.name, {}), days)},
            ),
            "matched": sum(coverage.get(rule.name, {}).values()),
            "quality": quality.get(rule.name),
        }
        for rule in web.config.rules
    ]
    return page(request, "rules.html", {"title": "Rules", "rows": rows})


def sources_page(request: Request) -> Response:
    web = state(request)
    known = {s.name: s for s in list_sources(web.archive)}
    rows = []
    for source in web.config.sources:
        row = known.get(source.name)
        schedule = source.schedule or web.config.crawl.schedule
        seconds = (row.poll_interval_seconds if row else None) or interval_seconds(schedule)
        last = row.last_run_at if row else None
        rows.append(
            {
                "config": source,
                "row": row,
                "interval": f"{seconds // 60} min" if seconds else f"cron {schedule}",
                "next_run": last + timedelta(seconds=seconds) if last and seconds else None,
                "status": "never polled"
                if last is None
                else ("failing" if row and row.last_error else "ok"),
            }
        )
    return page(request, "sources.html", {"title": "Sources", "rows": rows})
