"""The quality table and the misses as text, for a terminal."""

from __future__ import annotations

from newswatch.evaluation.scores import Figure, Row, Scores


def _cell(row: Row, figure: Figure) -> str:
    value = figure.value
    if value is None:
        return "-"
    if row.mean:
        return f"{value:.2f} ({figure.total})"
    return f"{figure.hits:g}/{figure.total} {value:.3f}"


def render(scores: Scores) -> str:
    header = ["what", "goal", "all", *scores.langs]
    lines = [
        [row.label, str(row.goal), _cell(row, row.overall)]
        + [_cell(row, row.by_lang[lang]) for lang in scores.langs]
        for row in scores.rows
    ]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]

    def joined(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    out = [f"{scores.records} records", joined(header), joined(["-" * w for w in widths])]
    out += [joined(line) for line in lines]
    out.append("(messages per article and channel: the mean, with the number of pairs)")
    if scores.misses:
        out.append("")
        out.append(f"misses ({len(scores.misses)}):")
        labels = {row.key: row.label for row in scores.rows}
        for miss in scores.misses:
            out.append(f"  {miss.id} [{miss.lang}] {labels[miss.row]}")
            out.append(f"      expected: {miss.expected}")
            out.append(f"      happened: {miss.happened}")
    else:
        out.append("")
        out.append("no misses")
    return "\n".join(out)
