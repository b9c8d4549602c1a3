"""Plain, printable HTML tables with a header row."""

from __future__ import annotations

from dash import html


def table(headers: list, rows: list[list], *, className: str = "", caption=None, row_class=None):
    return html.Table(
        [
            html.Caption(caption) if caption else None,
            html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
            html.Tbody([
                html.Tr([html.Td(cell) for cell in row], className=(row_class(i) if row_class else None))
                for i, row in enumerate(rows)
            ]),
        ],
        className=f"table {className}".strip(),
    )


def scroll_area(children, label: str, **props):
    """A table that may be wider than the screen: it scrolls sideways, and so it can take the
    keyboard's focus (arrow keys scroll it) and names itself to a screen reader."""
    return html.Div(children, className="table-wrap", tabIndex="0", role="region",
                    **{"aria-label": label}, **props)
