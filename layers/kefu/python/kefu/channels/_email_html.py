"""An email's HTML body, made safe to show agents (docs/workspace.md): sanitized here, on the server, with
Ammonia (nh3), before it is stored, so no provider HTML reaches the agent app as it came.

- Only formatting tags and links survive; scripts, styles, forms, iframes, event handlers, ``style``
  attributes and comments are removed. Links get ``rel="noopener noreferrer nofollow"`` and only http(s)
  and mailto.
- Remote images are blocked: every ``<img>`` keeps its ``alt`` text but loses its ``src`` (a remote image is a
  tracking pixel as often as a picture; inline ``cid:`` images arrive as attachments anyway). The agent app
  also shows the HTML in a sandboxed frame whose content security policy loads nothing.
- A body still over ``MAX_HTML_CHARS`` once cleaned is dropped (the message keeps its text): a DynamoDB item
  holds 400 KB.
"""

from __future__ import annotations

MAX_HTML_CHARS = 100_000
TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "div", "dl", "dt", "em", "font", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "table": {"summary"},
    "*": {"dir", "lang"},
}


def sanitize(html: str) -> str | None:
    """The safe HTML to keep, or None when nothing readable is left or it is too long."""
    import nh3

    if not html.strip():
        return None
    cleaned = nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags={"script", "style", "title", "head"},
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()
    if not cleaned or len(cleaned) > MAX_HTML_CHARS:
        return None
    return cleaned
