"""Markdown in e-mails: rendered, and never a way to put HTML or script into a mail."""

from __future__ import annotations

import re

import pytest

from functions.core.markdown import LINK_REL, render_markdown, sanitise


def test_emphasis_lists_code_and_quotes_render() -> None:
    html = render_markdown("**bold** _it_ ~~gone~~ `code`\n\n- one\n- two\n\n> quoted")
    assert "<strong>bold</strong>" in html
    assert "<em>it</em>" in html
    assert "<s>gone</s>" in html
    assert "<code>code</code>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<blockquote>" in html


def test_a_script_tag_is_shown_as_text_never_run() -> None:
    html = render_markdown("Hello <script>alert('x')</script>")
    assert "<script" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    "text",
    [
        '<b onclick="alert(1)">raw</b>',
        "<img src=x onerror=alert(1)>",
        '<iframe src="https://example.com"></iframe>',
        '<a href="https://example.com">raw link</a>',
        '<div style="display:none">hidden</div>',
    ],
)
def test_raw_html_is_never_passed_through(text: str) -> None:
    html = render_markdown(text)
    assert html.startswith("<p>&lt;"), html  # shown as the text it is
    assert re.search(r"<(b|img|iframe|div)\b", html) is None, html
    # The only links are bare addresses in that text, linked as any other.
    assert all(
        href == label for href, label in re.findall(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', html)
    )
    assert html.count("<a ") == len(re.findall(r'<a href="([^"]*)"[^>]*>\1</a>', html))


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        "[click](JAVASCRIPT:alert(1))",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "<javascript:alert(1)>",
    ],
)
def test_links_that_run_code_are_not_links(text: str) -> None:
    html = render_markdown(text)
    assert "<a " not in html, html
    assert "href" not in html


def test_links_and_bare_addresses_are_links_with_rel() -> None:
    html = render_markdown("[the plan](https://example.com/plan) and https://example.org/x?y=1")
    links = re.findall(r"<a [^>]*>", html)
    assert links == [
        f'<a href="https://example.com/plan" rel="{LINK_REL}">',
        f'<a href="https://example.org/x?y=1" rel="{LINK_REL}">',
    ]


def test_mail_links_are_kept() -> None:
    html = render_markdown("[write](mailto:ada@example.com)")
    assert f'<a href="mailto:ada@example.com" rel="{LINK_REL}">write</a>' in html


def test_the_sanitiser_strips_what_the_renderer_would_never_write() -> None:
    dirty = (
        '<p onclick="x">hi <a href="https://e.com" rel="opener" target="_blank">a</a></p>'
        "<script>alert(1)</script><style>p{}</style><!-- note -->"
    )
    assert sanitise(dirty) == f'<p>hi <a href="https://e.com" rel="{LINK_REL}">a</a></p>'


def test_a_line_break_is_kept_as_the_web_app_keeps_it() -> None:
    assert render_markdown("Printed\nand framed") == "<p>Printed<br>\nand framed</p>\n"


def test_an_image_is_a_link_to_it_named_by_its_alt_text() -> None:
    html = render_markdown("The proof: ![cover draft](https://example.com/cover.png)")
    assert "<img" not in html
    assert (
        '<a href="https://example.com/cover.png" rel="noopener noreferrer nofollow">cover draft</a>'
    ) in html
