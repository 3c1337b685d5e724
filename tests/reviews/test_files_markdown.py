"""Uploaded files are checked by their content; Markdown is rendered to safe HTML."""

import io
import zipfile

import pytest

from milepost.core.errors import InvalidInput
from milepost.reviews.files import check_upload
from milepost.reviews.markdown import render

from .conftest import ELF, EXE, PDF, PNG, upload


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def refused(name: str, content: bytes, field: str = "files") -> InvalidInput:
    with pytest.raises(InvalidInput) as exc:
        check_upload(upload(name, content), field=field)
    assert exc.value.code == "invalid"
    assert list(exc.value.details) == [field]
    assert exc.value.details[field] == [exc.value.message]
    return exc.value


# --- accepted ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("screen.png", PNG + b"\x00" * 64, "image/png"),
        ("report.pdf", PDF, "application/pdf"),
        ("REPORT.PDF", PDF, "application/pdf"),
        ("notes.txt", "Grüße, ça va? ✓\n".encode(), "text/plain"),
        ("data.csv", b"a,b\n1,2\n", "text/csv"),
        ("spec.docx", docx_bytes(), None),
        ("bundle.zip", docx_bytes(), "application/zip"),
        ("photo.jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32, "image/jpeg"),
    ],
)
def test_files_whose_content_matches_their_type_are_accepted(name, content, content_type):
    checked = check_upload(upload(name, content))
    assert checked.name == name
    assert checked.size == len(content)
    if content_type:
        assert checked.content_type == content_type
    assert checked.upload.read() == content  # rewound for saving


def test_docx_is_recognised_as_word():
    checked = check_upload(upload("spec.docx", docx_bytes()))
    assert checked.content_type.endswith("wordprocessingml.document")


def test_names_are_made_safe():
    checked = check_upload(upload("my report (final) <v2>.pdf", PDF))
    assert checked.name == "my_report_final_v2.pdf"


def test_a_long_text_file_with_a_character_cut_by_the_sample_is_accepted():
    content = b"a" * 8191 + "é".encode() + b" and more"
    assert check_upload(upload("long.txt", content)).size == len(content)


def test_file_of_exactly_the_limit_is_accepted(settings):
    settings.MAX_UPLOAD_MB = 1
    assert check_upload(upload("big.pdf", PDF + b"\x00" * (1024 * 1024 - len(PDF)))).size == (
        1024 * 1024
    )


# --- refused -------------------------------------------------------------------------------------


def test_an_executable_named_pdf_is_refused():
    error = refused("report.pdf", EXE + b"\x00" * 256)
    assert "PDF" in error.message


def test_an_elf_binary_named_png_is_refused():
    refused("screen.png", ELF + b"\x00" * 256)


def test_a_pdf_named_png_is_refused():
    refused("screen.png", PDF)


def test_an_elf_binary_named_txt_is_refused():
    refused("readme.txt", ELF + b"\x00" * 256)


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfeh\x00i\x00", b"hello \xc3\x28 world", b"hello world\xff", b"caf\xc3"],
    ids=["utf16", "bad-continuation", "bad-last-byte", "cut-at-the-real-end"],
)
def test_text_that_is_not_utf8_is_refused(content):
    error = refused("notes.txt", content)
    assert "not a text file" in error.message


def test_text_with_a_nul_byte_is_refused():
    refused("notes.txt", b"abc\x00def")


def test_an_empty_file_is_refused():
    assert "empty" in refused("empty.pdf", b"").message


@pytest.mark.parametrize("name", ["setup.exe", "page.html", "image.svg", "script.js", "noext"])
def test_unknown_extensions_are_refused(name):
    content = EXE if name.endswith(".exe") else b"<html><script>alert(1)</script></html>"
    assert "not accepted" in refused(name, content).message


@pytest.mark.parametrize(
    "name", ["../etc/passwd.txt", "a/b.pdf", "/tmp/b.pdf", "C:\\temp\\b.pdf", "..\\b.txt"]
)
def test_names_with_folders_are_refused(name):
    file = upload("placeholder.txt", b"hello")
    file._name = name  # as a client could send it, before Django's own basename()
    with pytest.raises(InvalidInput) as exc:
        check_upload(file)
    assert "folders" in exc.value.message


@pytest.mark.parametrize("name", ["", ".", ".."])
def test_names_without_a_file_are_refused(name):
    file = upload("placeholder.txt", b"hello")
    file._name = name
    with pytest.raises(InvalidInput):
        check_upload(file)


def test_django_keeps_only_the_base_name_of_a_path():
    checked = check_upload(upload("../../etc/notes.txt", b"hello"))
    assert checked.name == "notes.txt"


def test_a_name_with_nothing_usable_is_refused_not_crashing():
    refused("***", b"hello")


def test_an_oversized_file_is_refused(settings):
    settings.MAX_UPLOAD_MB = 1
    error = refused("big.pdf", PDF + b"\x00" * (1024 * 1024 + 1 - len(PDF)))
    assert "1 MB" in error.message


def test_the_field_name_is_reported():
    refused("setup.exe", EXE, field="attachment")


# --- markdown ------------------------------------------------------------------------------------


def test_script_tags_and_their_content_are_removed():
    html = render("Hello <script>alert('x')</script> world")
    assert "<script" not in html
    assert "alert" not in html
    assert "Hello" in html


@pytest.mark.parametrize(
    "text",
    [
        "<img src=x onerror=alert(1)>",
        '<a href="https://example.com" onclick="steal()">x</a>',
        "<p onmouseover='x()'>hi</p>",
        '<svg onload="alert(1)"></svg>',
    ],
)
def test_event_handlers_are_removed(text):
    html = render(text).lower()
    for handler in ("onerror", "onclick", "onmouseover", "onload", "<img", "<svg"):
        assert handler not in html


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="vbscript:msgbox">x</a>',
    ],
)
def test_dangerous_link_schemes_are_removed(text):
    html = render(text).lower()
    assert "javascript:" not in html
    assert "data:" not in html
    assert "vbscript:" not in html


def test_links_keep_http_and_get_rel_noopener():
    html = render("See [the site](https://example.com/a?b=1) or <mailto:hi@example.com>.")
    assert 'href="https://example.com/a?b=1"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "noopener" in html


def test_code_blocks_are_kept_and_escaped():
    html = render("```\n<b>bold</b> if a < b:\n    pass\n```\n\nand `inline <i>`")
    assert "<pre><code>" in html
    assert "&lt;b&gt;bold&lt;/b&gt; if a &lt; b:" in html
    assert "<code>inline &lt;i&gt;</code>" in html


def test_ordinary_markdown_still_renders():
    html = render("**bold** _em_\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<strong>bold</strong>" in html
    assert "<em>em</em>" in html
    assert "<li>one</li>" in html
    assert "<table>" in html


def test_headings_start_below_the_page_s_own_and_keep_their_text_apart():
    """A delivery note's "## What is in v1" was a bare line run into the list below it."""
    html = render("# Fixed\n\n## What is in v1\n\n- menu\n\n####### deep")
    assert "<h3>Fixed</h3>" in html
    assert "<h4>What is in v1</h4>" in html
    assert "<h1" not in html and "<h2" not in html and " id=" not in html
    assert render("<h1>raw</h1>") == "raw"  # raw HTML headings are still not the page's


def test_style_and_iframes_are_removed():
    html = render("<style>body{display:none}</style><iframe src='https://evil'></iframe>ok")
    assert "<style" not in html
    assert "display:none" not in html
    assert "<iframe" not in html


def test_empty_text_renders_empty():
    assert render("") == ""
    assert render(None) == ""
