"""Markdown as TaskFlow renders it in e-mails, by the web app's rules: CommonMark with
tables, strikethrough and bare links linked; raw HTML never passes through (markdown-it-py
leaves it as text); what comes out is sanitised again (nh3, Ammonia) to an allowed set of
tags, with web and mail links only, each `rel="noopener noreferrer nofollow"`.

Imported only where e-mails are written: no other function pays for the parser.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib.util import find_spec
from typing import Final

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererProtocol
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

ALLOWED_TAGS: Final = frozenset(
    {
        "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
        "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: Final = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}}
URL_SCHEMES: Final = frozenset({"http", "https", "mailto"})
LINK_REL: Final = "noopener noreferrer nofollow"


@cache
def _parser() -> MarkdownIt:
    # A single line break is a break, as people type comments (and as the web app shows them).
    parser = MarkdownIt("commonmark", {"html": False, "typographer": False, "breaks": True})
    parser.enable(["table", "strikethrough"])
    parser.add_render_rule("image", _image_as_link)
    if find_spec("linkify_it") is None:  # pragma: no cover - a dependency; else bare URLs stay text
        return parser
    parser.options["linkify"] = True
    return parser.enable("linkify")


def _image_as_link(
    renderer: RendererProtocol,
    tokens: Sequence[Token],
    idx: int,
    options: OptionsDict,
    env: EnvType,
) -> str:
    """An image as a link to it, named by its alt text, as in the web app: a mail loads
    nothing from elsewhere."""
    token = tokens[idx]
    src = escapeHtml(str(token.attrGet("src") or ""))
    alt = escapeHtml(token.content or str(token.attrGet("src") or ""))
    return f'<a href="{src}">{alt}</a>'


def sanitise(html: str) -> str:
    """Only the allowed tags and attributes, web and mail links, each with LINK_REL."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str) -> str:
    """Safe HTML for a comment or a description written in Markdown."""
    return sanitise(_parser().render(text))
