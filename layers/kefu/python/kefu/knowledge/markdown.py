"""Articles' Markdown as HTML for the help center, and as plain text for the index and the bot.

markdown-it renders (raw HTML in the source is escaped, not passed through); nh3 (Ammonia) then keeps
only an allow-list of tags and attributes and safe URL schemes, so an author's mistake or a hostile
import cannot put script into a public page.
"""

from __future__ import annotations

import functools
import html
import re
from typing import Any

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


@functools.cache
def _renderer() -> Any:
    # imported at first use: the stream function indexes without rendering HTML
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")


def to_html(markdown: str) -> str:
    """Safe HTML of an article's body."""
    import nh3

    rendered = _renderer().render(markdown)
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


_BLOCK_END = re.compile(r"</(?:p|h[1-6]|li|tr|blockquote|pre|th|td)>|<br\s*/?>|<hr\s*/?>")
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[ \t]+")
_BLANK = re.compile(r"\n{3,}")


def to_text(markdown: str) -> str:
    """The body's words without markup (what the index analyzes and the bot quotes)."""
    rendered = _renderer().render(markdown)
    text = html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", rendered)))
    lines = [_SPACE.sub(" ", line).strip() for line in text.splitlines()]
    return _BLANK.sub("\n\n", "\n".join(line for line in lines if line)).strip()


def summary(markdown: str, limit: int = 280) -> str:
    """The first paragraph or so, cut at a sentence end when one is near (the bot's short answer)."""
    text = to_text(markdown).replace("\n", " ")
    if len(text) <= limit:
        return text
    cut = text[:limit]
    ends = [cut.rfind(mark) for mark in ("。", "！", "？", ". ", "! ", "? ")]
    end = max(ends)
    if end >= limit // 2:
        return cut[: end + 1].strip()
    return cut.rstrip() + "…"
