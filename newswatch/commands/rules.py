"""Tools for rule authors: `rules check`, `rules test NAME`, and `search` in the rule language.

None of them sends anything: they read config.toml and the archive and print what they find.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import TYPE_CHECKING

import click

from alerts.rules.config import RuleConfig
from alerts.rules.ruleset import RuleError, RuleSet
from db.models import utcnow
from newswatch.config import ConfigError, load_config
from newswatch.context import Context, pass_context
from spiders.config import interval_seconds

if TYPE_CHECKING:
    from alerts.archive_search import Found, SearchReport

SEARCH_RULE = "search"


def _rule_errors(exc: RuleError) -> str:
    lines = []
    for error, pointer in zip(exc.errors, exc.pointers, strict=True):
        lines.append(f"  {error}")
        if pointer:
            lines.extend(f"      {line}" for line in pointer.splitlines())
    return "\n".join(lines)


def _why(found: Found) -> str:
    """The matched terms and entities with the forms found, as the alert would list them."""
    forms: dict[str, dict[str, None]] = {}
    for hit in found.match.hits:
        label = f"entity:{hit.entity}" if hit.entity else hit.term
        forms.setdefault(label, {})[" ".join(hit.found.split())] = None
    return ", ".join(
        f"{label} ({', '.join(shown)})" if (shown := [f for f in seen if f != label]) else label
        for label, seen in forms.items()
    )


def _line(found: Found) -> str:
    published = found.published.date().isoformat() if found.published else "----------"
    flags = "seed " if found.seed else ("dup  " if found.duplicate_of else "     ")
    return f"{found.article_id:>6}  {published}  {found.lang or '--':2}  {flags}{found.title}"


def _run(
    context: Context,
    ruleset: RuleSet,
    name: str,
    limit: int | None,
    since: str | None,
    chronological: bool,
) -> SearchReport:
    from alerts.archive_search import run_rule
    from db.search import SearchError
    from newswatch.progress import progress_bar

    cutoff = None
    if since is not None:
        seconds = interval_seconds(since)
        if seconds is None:
            raise click.BadParameter(f"expected a duration such as 90d or 12h, got {since!r}")
        cutoff = utcnow() - timedelta(seconds=seconds)
    with progress_bar(0, f"evaluating {name}") as bar:
        try:
            return run_rule(
                context.archive,
                ruleset,
                name,
                limit=limit,
                since=cutoff,
                chronological=chronological,
                on_progress=bar.update,
            )
        except SearchError as exc:
            raise click.ClickException(str(exc)) from None


@click.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True, help="at most this many results")
@click.option("--since", default=None, help="only articles of the last 90d, 12h, ...")
@pass_context
def search(context: Context, query: str, limit: int, since: str | None) -> None:
    """Search the archive with the rule language: AND/OR/NOT, "phrases", pre*, NEAR/n, @groups,
    title:/text:/lang:/source:/entity: fields."""
    config = context.config
    try:
        ruleset = RuleSet(
            [RuleConfig(name=SEARCH_RULE, query=query)], config.groups, config.entities
        )
    except RuleError as exc:
        prefix = f"rules[0] {SEARCH_RULE!r}: query: "
        raise click.ClickException(_rule_errors(exc).replace(prefix, "bad query: ")) from None
    report = _run(context, ruleset, SEARCH_RULE, limit, since, chronological=False)
    for found in report.found:
        click.echo(_line(found))
    click.echo(f"{len(report.found)} found ({report.scanned} articles read)", err=True)


@click.group()
def rules() -> None:
    """Check the rules and try them on the archive (nothing is sent)."""


@rules.command()
@click.pass_obj
def check(context: Context) -> None:
    """Parse every rule, group and entity; report every error with its rule and column."""
    try:
        config = load_config(context.path, check_rules=False)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        ruleset = config.ruleset()
    except RuleError as exc:
        click.echo(f"{context.path}: {len(exc.errors)} errors in the rules:", err=True)
        click.echo(_rule_errors(exc), err=True)
        sys.exit(1)
    used = {name for name in config.groups if name in ruleset.groups}
    unused = sorted(set(config.groups) - _referenced_groups(config.groups, config.rules))
    for rule in ruleset.rules:
        kind = "topic" if rule.config.topic else f"severity {rule.config.severity}"
        channels = ", ".join(rule.config.channels) or "no channels"
        extra = " (evaluated for every article: it can match without any term)" * rule.always
        click.echo(f"  {rule.config.name}: {kind}, {channels}{extra}")
    click.echo(
        f"{context.path}: {len(ruleset.rules)} rules, {len(used)} groups, "
        f"{len(ruleset.entities)} entities, {ruleset.atoms} distinct words compiled: OK",
        err=True,
    )
    if unused:
        click.echo(f"groups no rule uses: {', '.join('@' + n for n in unused)}", err=True)


def _referenced_groups(groups: dict[str, str | list[str]], rules: list[RuleConfig]) -> set[str]:
    import re

    pattern = re.compile(r"@([A-Za-z0-9_]+)")
    found: set[str] = set()
    todo = [rule.query for rule in rules]
    while todo:
        for name in pattern.findall(todo.pop()):
            if name not in found and name in groups:
                found.add(name)
                definition = groups[name]
                todo.extend([definition] if isinstance(definition, str) else definition)
    return found


@rules.command("test")
@click.argument("name")
@click.option(
    "--since", default=None, help="only articles of the last 90d, 12h, ... (default: all)"
)
@click.option("--limit", default=None, type=int, help="stop after this many matches")
@click.pass_obj
def test_rule(context: Context, name: str, since: str | None, limit: int | None) -> None:
    """Run rule NAME over the archive and list what it would have matched (sends nothing)."""
    config = context.config
    ruleset = config.ruleset()
    if ruleset.rule(name) is None:
        known = ", ".join(r.config.name for r in ruleset.rules)
        raise click.ClickException(f"no rule named {name!r} (rules: {known})")
    report = _run(context, ruleset, name, limit, since, chronological=True)
    for found in report.found:
        click.echo(_line(found))
        click.echo(f"        why: {_why(found)}")
    how = "full-text prefilter" if report.prefiltered else "every article read"
    click.echo(
        f"rule {name}: {len(report.found)} articles matched, {report.scanned} read ({how})",
        err=True,
    )
