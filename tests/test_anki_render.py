"""Card Markdown -> Anki HTML (srs.anki.render_html) and Anki HTML -> Markdown (srs.anki.html_markdown)."""

from __future__ import annotations

import pytest

from srs.anki.html_markdown import html_to_markdown
from srs.anki.package import protobuf_fields
from srs.anki.render_html import cloze_numbers, image_sources, markdown_to_html, sanitize_html


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("$x_1*y_2*z$ and *em*", "<p>\\(x_1*y_2*z\\) and <em>em</em></p>"),
        ("Energy $$E=mc^2$$ inline", "<p>Energy \\[E=mc^2\\] inline</p>"),
        ("$$\n\\frac{a}{b} < c\n$$", "<div>\\[\\frac{a}{b} &lt; c\\]</div>"),
        ("costs $5 and $10 today", "<p>costs $5 and $10 today</p>"),  # not math
        ("`$x$` stays code", "<p><code>$x$</code> stays code</p>"),
        ("$\\frac{1}{\\sqrt{x}}$", "<p>\\(\\frac{1}{\\sqrt{x} }\\)</p>"),  # "}}" would end an Anki cloze
        ("a ==highlight== b", "<p>a <mark>highlight</mark> b</p>"),
        ("odd == sign", "<p>odd == sign</p>"),
        ("中文 **粗体** 和 English", "<p>中文 <strong>粗体</strong> 和 English</p>"),
    ],
)
def test_markdown_to_html(markdown: str, html: str) -> None:
    assert markdown_to_html(markdown) == html


def test_cloze_markup_numbered_in_order_after_existing_numbers() -> None:
    assert markdown_to_html("==a== and ==b==", cloze=True) == "<p>{{c1::a}} and {{c2::b}}</p>"
    assert markdown_to_html("{{c1::x}} then ==y==", cloze=True) == "<p>{{c1::x}} then {{c2::y}}</p>"
    assert markdown_to_html("==**bold** $m$==", cloze=True) == "<p>{{c1::<strong>bold</strong> \\(m\\)}}</p>"
    assert cloze_numbers("{{c2::a}} {{c1::b}} {{c2::c}}") == [1, 2]


def test_code_blocks_are_highlighted_with_inline_styles() -> None:
    html = markdown_to_html("```rust\nfn main() { let x = 1; }\n```")
    assert html.startswith("<pre style=") and 'class="language-rust"' in html
    assert '<span style="color: #008000; font-weight: bold">fn</span>' in html
    plain = markdown_to_html("```\n<b>not bold</b>\n```")
    assert plain == "<pre><code>&lt;b&gt;not bold&lt;/b&gt;\n</code></pre>"
    unknown = markdown_to_html("```nosuchlanguage\na < b\n```")
    assert "a &lt; b" in unknown and "<span" not in unknown


def test_raw_html_is_escaped_except_simple_formatting() -> None:
    assert sanitize_html("<b>b</b><sub>2</sub><br/>") == "<b>b</b><sub>2</sub><br>"
    assert sanitize_html('<b onclick="x()">b</b>') == "<b>b</b>"
    assert sanitize_html("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert sanitize_html('<a href="javascript:x">l</a>') == '&lt;a href="javascript:x"&gt;l&lt;/a&gt;'
    assert sanitize_html('<img src="a.png" onerror="x()" width="30">') == '<img src="a.png" width="30">'
    assert sanitize_html("<!-- hidden -->shown") == "shown"
    html = markdown_to_html('Say <iframe src="http://evil"></iframe> H<sub>2</sub>O')
    assert "<iframe" not in html and "&lt;iframe" in html and "H<sub>2</sub>O" in html


def test_images_by_file_name_remote_kept() -> None:
    text = "![a](figs/one.png) ![[two.png|300]] ![r](https://example.org/r.png) <img src='three%20x.png'>"
    assert image_sources(text) == ["figs/one.png", "two.png", "three x.png"]
    html = markdown_to_html(text)
    assert '<img src="one.png" alt="a">' in html
    assert '<img src="two.png" alt="" width="300">' in html
    assert '<img src="https://example.org/r.png" alt="r">' in html
    assert '<img src="three x.png">' in html
    renamed = markdown_to_html("![a](figs/one.png)", media_name=lambda src: "renamed-" + src.replace("/", "_"))
    assert renamed == '<p><img src="renamed-figs_one.png" alt="a"></p>'


def test_task_boxes() -> None:
    assert markdown_to_html("- [x] done\n- [ ] open") == "<ul>\n<li>☑ done</li>\n<li>☐ open</li>\n</ul>"


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ("Line one<div>Line two</div>", "Line one\n\nLine two"),
        ("a<br>b<br><br>c<br>", "a  \nb\n\nc"),
        ("<b>bold </b>text", "**bold** text"),
        ("a<b> bold</b> c", "a **bold** c"),
        ("<i>it</i> <u>under</u> <s>gone</s>", "*it* under ~~gone~~"),
        ("<ul><li>one</li><li>two<ol><li>inner</li></ol></li></ul>", "- one\n- two\n    1. inner"),
        ("5 * 3 = $15, snake_case, _x_, [1]", "5 \\* 3 = \\$15, snake_case, \\_x\\_, \\[1\\]"),
        ("a &lt; b &amp;&nbsp;c", "a \\< b & c"),
        ("\\(x_1 * y\\) and \\[E=mc^2\\]", "$x_1 * y$ and $$E=mc^2$$"),
        ("<pre>if a &lt; b:\n    pass</pre>", "```\nif a < b:\n    pass\n```"),
        ("run <code>ls *.md</code>", "run `ls *.md`"),
        ('<a href="https://a.org/x">site</a>', "[site](https://a.org/x)"),
        ("<table><tr><th>k</th><th>v</th></tr><tr><td>a|b</td><td>2</td></tr></table>", "| k | v |\n|---|---|\n| a\\|b | 2 |"),
        ("<blockquote>said <b>this</b></blockquote>after", "> said **this**\n\nafter"),
        ("<h3>Title</h3>text", "### Title\n\ntext"),
        ("# not a heading", "\\# not a heading"),
        ("<script>bad()</script><style>p{}</style>kept", "kept"),
        ('<span style="color:red">red</span> <font face="x">font</font>', "red font"),
        ("{{c1::Paris::city}} and {{c2::France}}", "{{c1::Paris::city}} and {{c2::France}}"),
        ("H<sub>2</sub>O", "H<sub>2</sub>O"),
        ("", ""),
    ],
)
def test_html_to_markdown(html: str, markdown: str) -> None:
    assert html_to_markdown(html) == markdown


def test_html_to_markdown_media_paths() -> None:
    paths = {"cat one.png": "/m/cat one.png", "hi.mp3": "/m/hi.mp3"}
    text = html_to_markdown('<img src="cat one.png" alt="a cat"> [sound:hi.mp3] <img src="http://x/y.png">', paths.get)
    assert text == "![a cat](</m/cat one.png>) [\U0001f50a hi.mp3](/m/hi.mp3) ![](http://x/y.png)"


@pytest.mark.parametrize(
    "markdown",
    [
        "What is $\\alpha_1 * \\beta_2$?",
        "**Bold**, *italic*, `code` and a [link](https://example.org)",
        "- one\n- two\n    - nested",
        "```python\ndef f(x):\n    return x * 2\n```",
        "{{c1::Paris}} is the capital of {{c2::France}}",
        "注意力机制 (attention) 的 *核心*",
        "Escapes: 3 \\* 4 and \\$5",
    ],
)
def test_round_trip_markdown_html_markdown(markdown: str) -> None:
    back = html_to_markdown(markdown_to_html(markdown))
    assert markdown_to_html(back) == markdown_to_html(markdown)


def test_protobuf_reader() -> None:
    # field 1 varint 150, field 2 string "hi", field 3 nested {1: 1}
    data = bytes([0x08, 0x96, 0x01, 0x12, 0x02]) + b"hi" + bytes([0x1A, 0x02, 0x08, 0x01])
    assert list(protobuf_fields(data)) == [(1, 150), (2, b"hi"), (3, b"\x08\x01")]
    with pytest.raises(ValueError):
        list(protobuf_fields(bytes([0x12, 0x05]) + b"ab"))


def test_cloze_sides_of_an_anki_note() -> None:
    from srs.anki.cloze import anki_numbers, cloze_sides

    text = "{{c1::Paris}} is in {{c2::France::country}}, {{c1::Europe}}"
    assert anki_numbers(text) == [1, 2]
    assert cloze_sides(text, 1) == ("[...] is in France, [...]", "Paris is in France, Europe")
    assert cloze_sides(text, 2) == ("Paris is in [country], Europe", "Paris is in France, Europe")


def test_rebuild_cloze_note_from_card_sides() -> None:
    from srs.anki.cloze import ClozeCard, rebuild_cloze_note

    back = "Adam combines momentum and RMSProp, see [1] and [docs](https://x.org)."
    cards = [
        ClozeCard(back.replace("momentum", "[...]"), back),
        ClozeCard(back.replace("Adam", "[...]", 1), back),
        ClozeCard(back.replace("RMSProp", "[an optimiser]"), back, number=7),
    ]
    note = rebuild_cloze_note(cards)
    assert note is not None
    assert note.text == "{{c8::Adam}} combines {{c9::momentum}} and {{c7::RMSProp::an optimiser}}, see [1] and [docs](https://x.org)."
    assert note.numbers == (9, 8, 7) and note.extra == ""

    # extra text after the note text on the back (Anki's Back Extra)
    with_extra = [ClozeCard("[...] is red", "Blood is red\n\nbiology", 1)]
    rebuilt = rebuild_cloze_note(with_extra)
    assert rebuilt is not None and (rebuilt.text, rebuilt.extra) == ("{{c1::Blood}} is red", "biology")

    # sides that no cloze note gives
    assert rebuild_cloze_note([ClozeCard("[...] is red", "Blood is red"), ClozeCard("Sky is [...]", "Sky is blue")]) is None
    assert rebuild_cloze_note([ClozeCard("no placeholder", "no placeholder")]) is None
    assert rebuild_cloze_note([ClozeCard("[...] b", "a b", 1), ClozeCard("[...]", "a b", 2)]) is None  # overlapping
    assert rebuild_cloze_note([ClozeCard("x [...] y", "x a::b y", 1)]) is None  # "::" would read as a hint


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = st.sampled_from(
    ["<b>", "</b>", "<i>", "</i>", "<div>", "</div>", "<br>", "<ul>", "<li>", "</ul>", "<pre>", "</pre>", "<code>", "</code>",
     "<a href='x'>", "</a>", "<table>", "<tr>", "<td>", "</table>", "<blockquote>", "</blockquote>", "<img src='a b.png'>",
     "<script>", "</script>", "&amp;", "&nbsp;", "\\(", "\\)", "{{c1::", "}}", "[sound:x.mp3]", "*", "_", "$", "#", "\n", " ", "text", "中文"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=8)), max_size=30))
def test_converters_never_fail_on_any_input(pieces: list[str]) -> None:
    text = "".join(pieces)
    markdown = html_to_markdown(text, lambda name: "/media/" + name)
    assert isinstance(markdown, str)
    assert isinstance(markdown_to_html(markdown), str)
    assert isinstance(markdown_to_html(text, cloze=True), str)
