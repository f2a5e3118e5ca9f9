"""Bytes to terminal-safe text: escapes, formats, truncation, multipart rows, full views."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zmqdash.codec import (
    EMPTY_FRAME,
    FORMATS,
    FRAME_SEPARATOR,
    decode_text,
    escape_text,
    hex_inline,
    hexdump,
    human_size,
    is_printable,
    render_frame,
    render_frame_full,
    render_frames,
)
from zmqdash.codec.display import FULL_HEX_LIMIT, FULL_TEXT_LIMIT, ROW_JSON_MAX

# Everything that must never reach a terminal raw.
UNSAFE_CHARS = (
    [chr(o) for o in range(0x20)]
    + [chr(o) for o in range(0x7F, 0xA0)]
    + ["\u061c", "\u200e", "\u200f", "\u2028", "\u2029"]
    + [chr(o) for o in range(0x202A, 0x202F)]
    + [chr(o) for o in range(0x2066, 0x206A)]
    # invisible: format characters (Cf) and blank fillers
    + [c for c in map(chr, range(0x10000)) if unicodedata.category(c) == "Cf"]
    # the codec's table is Unicode 15.1 on every Python; Python 3.10's is Unicode 13, without
    # the two format characters of the BMP that Unicode 14 added
    + ["\u0890", "\u0891"]
    + ["\u034f", "\u115f", "\u1160", "\u17b4", "\u17b5", "\u3164", "\uffa0"]
)
UNSAFE_RE = re.compile("[" + re.escape("".join(UNSAFE_CHARS)) + "\ud800-\udfff]")
# One-line output may not even contain \n; multi-line output may.
UNSAFE_MULTILINE_RE = re.compile(
    "[" + re.escape("".join(c for c in UNSAFE_CHARS if c != "\n")) + "\ud800-\udfff]"
)

ATTACKS = [
    b"\x1b[2J\x1b[H",  # clear screen, cursor home
    b"\x1b]52;c;aGVsbG8=\x07",  # OSC 52 clipboard write
    b"\x1b]0;title\x1b\\",  # set title, ST terminator
    "\x9b31m".encode(),  # C1 CSI
    "\x9d0;t\x9c".encode(),  # C1 OSC .. ST
    b"\x9b31m",  # raw C1 byte (invalid UTF-8)
    "ok\u202egnp.exe".encode(),  # RTL override
    "a\u2066b\u2069c\u200e\u200f\u061c".encode(),
    "line\u2028sep\u2029".encode(),
    b"bell\x07 bs\x08 del\x7f nul\x00",
    b"\r\n\t",
]


def assert_safe(text: str, multiline: bool = False) -> None:
    pattern = UNSAFE_MULTILINE_RE if multiline else UNSAFE_RE
    found = pattern.search(text)
    assert found is None, f"unsafe {found.group()!r} in {text!r}"


# -- escape_text -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\n", "\\n"),
        ("\r", "\\r"),
        ("\t", "\\t"),
        ("\\", "\\\\"),
        ("\x00", "\\x00"),
        ("\x1b", "\\x1b"),
        ("\x07", "\\x07"),
        ("\x7f", "\\x7f"),
        ("\x80", "\\u0080"),
        ("\x85", "\\u0085"),
        ("\x9b", "\\u009b"),
        ("\x9f", "\\u009f"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
        ("\u202a", "\\u202a"),
        ("\u202e", "\\u202e"),
        ("\u2066", "\\u2066"),
        ("\u2069", "\\u2069"),
        ("\u200e", "\\u200e"),
        ("\u200f", "\\u200f"),
        ("\u061c", "\\u061c"),
        ("\ud800", "\\ud800"),
    ],
)
def test_escape_each_class(raw: str, shown: str) -> None:
    assert escape_text(raw) == shown
    assert escape_text(f"a{raw}b") == f"a{shown}b"


@pytest.mark.parametrize("c", UNSAFE_CHARS)
def test_every_unsafe_char_is_escaped(c: str) -> None:
    out = escape_text(c)
    assert out.startswith("\\") and len(out) > 1
    assert_safe(out)


def test_printable_unicode_passes_through() -> None:
    s = "héllo wörld 日本語 한국어 😀👍🏽 ∅ │ \u00a0 ok"
    assert escape_text(s) == s


def test_escape_is_unambiguous_for_backslashes() -> None:
    # a literal backslash-n and a newline must look different
    assert escape_text("\\n") == "\\\\n"
    assert escape_text("\n") == "\\n"


@given(st.text())
def test_escape_text_is_always_safe(s: str) -> None:
    assert_safe(escape_text(s))


def test_no_unsafe_char_is_missed_in_the_bmp() -> None:
    everything = "".join(chr(o) for o in range(0x10000))
    out = escape_text(everything)
    assert_safe(out)
    # and nothing else was touched: removing escapes leaves exactly the safe characters
    safe = "".join(c for c in everything if not UNSAFE_RE.match(c) and c != "\\")
    stripped = re.sub(r"\\(\\|[ntr]|x[0-9a-f]{2}|u[0-9a-f]{4})", "", out)
    assert stripped == safe


def test_every_format_character_beyond_the_bmp_is_escaped() -> None:
    # tag characters (U+E0001, U+E0020-E007F) and the rest of Unicode's Cf beyond U+FFFF
    wide = [chr(o) for o in range(0x10000, 0x110000) if unicodedata.category(chr(o)) == "Cf"]
    assert len(wide) > 100
    for c in wide:
        assert escape_text(c) == f"\\U{ord(c):08x}", hex(ord(c))


def test_zero_width_characters_are_escaped_but_text_stays_text() -> None:
    for c in ("\u200b", "\ufeff", "\u00ad", "\U000e0041", "\ufff9", "\u2060"):
        row = render_frame(f"a{c}b".encode(), "auto")
        assert row.startswith("a\\") and row.endswith("b") and c not in row, row
    assert render_frame("\ufeff{}".encode(), "json") == "\\ufeff{}"  # not JSON: as text
    assert render_frame('["a\u200bb"]'.encode(), "json") == '["a\\u200bb"]'
    tag = render_frame('["\U000e0041"]'.encode(), "json")
    assert json.loads(tag) == ["\U000e0041"] and tag.isascii()


# -- decode_text / is_printable -----------------------------------------------------------------


def test_decode_text_invalid_bytes() -> None:
    assert decode_text(b"ab\xffcd") == "ab\\xffcd"
    assert decode_text(b"\xc3") == "\\xc3"  # truncated sequence
    assert decode_text(b"\xed\xa0\x80") == "\\xed\\xa0\\x80"  # encoded surrogate
    assert decode_text(b"\xc0\xaf") == "\\xc0\\xaf"  # overlong '/'
    assert decode_text("é".encode()) == "é"


def test_invalid_byte_and_c1_char_look_different() -> None:
    assert decode_text(b"\x85") == "\\x85"  # an invalid byte
    assert decode_text("\x85".encode()) == "\\u0085"  # the character NEL, valid UTF-8


@pytest.mark.parametrize("payload", ATTACKS)
def test_decode_text_attacks_are_defused(payload: bytes) -> None:
    assert_safe(decode_text(payload))


@given(st.binary())
def test_decode_text_never_raises_and_is_safe(data: bytes) -> None:
    assert_safe(decode_text(data))


def test_is_printable() -> None:
    assert is_printable(b"")
    assert is_printable(b"hello world")
    assert is_printable(b"tab\there\r\nnewline\\")
    assert is_printable("日本語 😀".encode())
    assert not is_printable(b"\xff")
    assert not is_printable(b"esc\x1b[0m")
    assert not is_printable(b"nul\x00")
    assert not is_printable(b"del\x7f")
    assert not is_printable("\x85".encode())
    assert not is_printable("rtl\u202e".encode())
    assert not is_printable("sep\u2028".encode())


# -- human_size ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (64, "64 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        ((1 << 20) - 1, "1.0 MiB"),  # rounds up into the next unit, not "1024.0 KiB"
        (64 << 20, "64.0 MiB"),
        (3 << 30, "3.0 GiB"),
    ],
)
def test_human_size(n: int, text: str) -> None:
    assert human_size(n) == text


# -- hex ------------------------------------------------------------------------------------------


def test_hex_inline() -> None:
    assert hex_inline(b"Hello", 100) == "48 65 6c 6c 6f"
    assert hex_inline(b"", 100) == ""
    # 11 characters hold 4 bytes ("48 65 6c 6c"), the rest is cut
    assert hex_inline(b"Hello world", 11) == "48 65 6c 6c … (11 B total)"
    assert hex_inline(b"Hello", 14) == "48 65 6c 6c 6f"


def test_hexdump_layout() -> None:
    dump = hexdump(b"Hello world\n" + bytes(range(20)))
    assert dump.splitlines() == [
        "00000000  48 65 6c 6c 6f 20 77 6f  72 6c 64 0a 00 01 02 03  |Hello world.....|",
        "00000010  04 05 06 07 08 09 0a 0b  0c 0d 0e 0f 10 11 12 13  |................|",
    ]
    short = hexdump(b"abc")
    assert short == "00000000  61 62 63" + " " * 42 + "|abc|"
    assert hexdump(b"") == ""


def test_hexdump_non_printables_are_dots() -> None:
    dump = hexdump(b"\x1b[2J\x7f\x80\xff~ ")
    assert dump.endswith("|.[2J...~ |")
    assert_safe(dump, multiline=True)


def test_hexdump_limit() -> None:
    dump = hexdump(bytes(1000), limit=32)
    lines = dump.splitlines()
    assert len(lines) == 3
    assert lines[1].startswith("00000010  ")
    assert lines[2] == "… (1000 B total, first 32 B shown)"
    assert hexdump(bytes(32), limit=32).count("\n") == 1


# -- render_frame --------------------------------------------------------------------------------


def test_formats_constant() -> None:
    assert FORMATS == ("auto", "text", "hex", "json")


def test_render_frame_each_format() -> None:
    data = b'{"a": [1, 2]}'
    assert render_frame(data, "text") == '{"a": [1, 2]}'
    assert render_frame(data, "hex").startswith("7b 22 61 22")
    assert render_frame(data, "json") == '{"a":[1,2]}'
    assert render_frame(data, "auto") == '{"a": [1, 2]}'
    assert render_frame(data) == render_frame(data, "auto")


def test_render_frame_auto_picks_hex_for_binary() -> None:
    assert render_frame(b"\x00\x01\xff", "auto") == "00 01 ff"
    assert render_frame(b"esc\x1b", "auto") == "65 73 63 1b"
    assert render_frame("rtl\u202e".encode(), "auto") == "72 74 6c e2 80 ae"
    # printable text with newlines and tabs stays text, escaped on one line
    assert render_frame(b"a\tb\r\nc", "auto") == "a\\tb\\r\\nc"
    assert render_frame("日本語".encode(), "auto") == "日本語"


def test_render_frame_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        render_frame(b"x", "yaml")
    with pytest.raises(ValueError, match="unknown format"):
        render_frame_full(b"x", "yaml")


def test_render_frame_empty() -> None:
    for fmt in FORMATS:
        assert render_frame(b"", fmt) == EMPTY_FRAME == "∅"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("payload", ATTACKS)
def test_render_frame_attacks_are_defused(fmt: str, payload: bytes) -> None:
    out = render_frame(payload, fmt)
    assert_safe(out)
    assert "\n" not in out


@given(st.binary(), st.sampled_from(FORMATS), st.integers(min_value=0, max_value=80))
def test_render_frame_is_one_safe_line(data: bytes, fmt: str, limit: int) -> None:
    out = render_frame(data, fmt, limit)
    assert_safe(out)
    marker = f" … ({human_size(len(data))} total)"
    if out.endswith(marker):
        assert len(out) - len(marker) <= limit
    else:
        assert len(out) <= max(limit, 1)


@given(st.text(max_size=30), st.integers(min_value=0, max_value=60))
def test_text_truncation_never_splits_an_escape(s: str, limit: int) -> None:
    out = render_frame(s.encode(), "text", limit)
    marker = f" … ({human_size(len(s.encode()))} total)"
    body = out[: -len(marker)] if out.endswith(marker) else out
    # the body is the escaped form of a prefix of s: no escape was cut in half
    assert any(escape_text(s[:k]) == body for k in range(len(s) + 1)) or body == EMPTY_FRAME


def test_text_truncation_marker() -> None:
    out = render_frame(b"x" * 3000, "text", 10)
    assert out == "xxxxxxxxxx … (2.9 KiB total)"
    assert render_frame(b"x" * 10, "text", 10) == "x" * 10
    # escapes count toward the limit and are never cut in half
    assert render_frame(b"\x1b\x1b\x1b", "text", 10) == "\\x1b\\x1b … (3 B total)"


def test_json_format() -> None:
    assert render_frame(b' { "k" : "v" , "n" : null } ', "json") == '{"k":"v","n":null}'
    assert render_frame(b"42", "json") == "42"
    assert render_frame(b'"str"', "json") == '"str"'
    # control characters inside strings stay JSON escapes; C1/bidi characters become escapes
    assert render_frame(b'["\\u001b[2J"]', "json") == '["\\u001b[2J"]'
    assert render_frame('["\u202e\x85"]'.encode(), "json") == '["\\u202e\\u0085"]'
    assert render_frame(b'"\\ud800"', "json") == '"\\ud800"'


def test_json_output_stays_valid_json() -> None:
    data = '{"a": "\u202e\\u001b\\\\ \u2028 x", "b": [1.5, true]}'.encode()
    out = render_frame(data, "json")
    assert_safe(out)
    assert json.loads(out) == json.loads(data)


def test_json_fallback_to_text() -> None:
    assert render_frame(b"not json\x1b", "json") == "not json\\x1b"
    assert render_frame(b'{"a":', "json") == '{"a":'
    assert render_frame(b"\xff{}", "json") == "\\xff{}"
    assert render_frame(b"[" * 100_000, "json") == "[" * 2000 + " … (97.7 KiB total)"
    assert render_frame(b"1" * 5000, "json", 10).startswith("1111111111 … ")  # huge int


def test_json_truncation_does_not_cut_a_json_escape() -> None:
    data = b'["\\u001b\\u001b\\u001b"]'
    for limit in range(1, 25):
        out = render_frame(data, "json", limit)
        body = out.split(" … ")[0]
        assert not re.search(r"(?<!\\)(\\\\)*\\(u[0-9a-f]{0,3})?$", body), body


def test_large_json_is_shown_as_text() -> None:
    big = b'{"k": "' + b"v" * ROW_JSON_MAX + b'"}'
    assert render_frame(big, "json", 20) == '{"k": "vvvvvvvvvvvvv … (256.0 KiB total)'


@pytest.mark.parametrize("fmt", FORMATS)
def test_64_mib_frame_renders_short(fmt: str) -> None:
    data = b"A" * (64 << 20)
    out = render_frame(data, fmt)
    assert out.endswith(" … (64.0 MiB total)")
    assert len(out) <= 2000 + len(" … (64.0 MiB total)")
    body = out[: -len(" … (64.0 MiB total)")]
    assert body == ("41 " * 667)[:-1] if fmt == "hex" else body == "A" * 2000


def test_64_mib_binary_frame() -> None:
    data = b"\x00\xff" * (32 << 20)
    out = render_frame(data, "text", 40)
    assert out == "\\x00\\xff" * 5 + " … (64.0 MiB total)"
    assert render_frame(data, "auto", 11) == "00 ff 00 ff … (64.0 MiB total)"


def test_cut_multibyte_char_is_not_shown_broken() -> None:
    # 4-byte characters: the slice may end in the middle of one, which must not show as \xNN
    data = "😀".encode() * 10_000
    out = render_frame(data, "text", 5)
    assert out == "😀" * 5 + " … (39.1 KiB total)"
    assert render_frame(data, "auto", 5) == out


def test_auto_decides_on_the_visible_part() -> None:
    # a binary byte far beyond the visible part does not switch a long text row to hex
    data = b"A" * 100_000 + b"\xff"
    assert render_frame(data, "auto", 10) == "AAAAAAAAAA … (97.7 KiB total)"
    assert render_frame(b"A" * 5 + b"\xff", "auto", 10) == "41 41 41 … (6 B total)"


# -- render_frames --------------------------------------------------------------------------------


def test_render_frames_joins_with_separator() -> None:
    assert FRAME_SEPARATOR == " │ "
    assert render_frames([b"id", b"", b"hello"]) == "id │ ∅ │ hello"
    assert render_frames([b"\x00\x01", b"hi"], "auto") == "00 01 │ hi"
    assert render_frames([b"a", b"b"], "hex") == "61 │ 62"


def test_render_frames_single_and_none() -> None:
    assert render_frames([b"x" * 50], "text", 10) == render_frame(b"x" * 50, "text", 10)
    assert render_frames([]) == ""


def test_render_frames_total_limit() -> None:
    frames = [b"a" * 10, b"b" * 10, b"c" * 10]
    out = render_frames(frames, "text", 20)
    assert out == "a" * 10 + " │ " + "b" * 7 + " … (3 frames, 30 B total)"
    # exactly fitting: no marker
    assert render_frames([b"ab", b"cd"], "text", 7) == "ab │ cd"
    # no room for another frame after a separator
    assert render_frames([b"ab", b"cd"], "text", 5) == "ab … (2 frames, 4 B total)"


def test_render_frames_many_frames_with_a_huge_one() -> None:
    frames = [b"head", b"A" * (64 << 20), b"tail"]
    out = render_frames(frames, "auto", 100)
    assert out.startswith("head │ AAAA")
    assert out.endswith(" … (3 frames, 64.0 MiB total)")
    assert len(out) <= 100 + len(" … (3 frames, 64.0 MiB total)")


@given(
    st.lists(st.binary(max_size=40), max_size=6),
    st.sampled_from(FORMATS),
    st.integers(min_value=0, max_value=100),
)
def test_render_frames_is_one_safe_line(frames: list[bytes], fmt: str, limit: int) -> None:
    out = render_frames(frames, fmt, limit)
    assert_safe(out)
    if len(frames) > 1:
        if " frames, " in out:
            assert len(out.rsplit(" … (", 1)[0]) <= limit
        else:
            assert len(out) <= limit
            assert out.count(FRAME_SEPARATOR) >= len(frames) - 1


# -- render_frame_full ------------------------------------------------------------------------


def test_full_text_keeps_newlines() -> None:
    out = render_frame_full(b"line1\r\nline2\tx\x1b[2J\xff", "text")
    assert out == "line1\\r\nline2\\tx\\x1b[2J\\xff"
    assert_safe(out, multiline=True)


def test_full_json_pretty() -> None:
    assert render_frame_full(b'{"a":[1,{"b":null}]}', "json") == (
        '{\n  "a": [\n    1,\n    {\n      "b": null\n    }\n  ]\n}'
    )
    out = render_frame_full('{"s": "\u202e\\n\\u001b"}'.encode(), "json")
    assert out == '{\n  "s": "\\u202e\\n\\u001b"\n}'


def test_full_json_fallback_note() -> None:
    out = render_frame_full(b'{"a":\n\x1b', "json")
    first, *rest = out.split("\n")
    assert first.startswith("(not JSON: ")
    assert "\n".join(rest) == '{"a":\n\\x1b'


def test_full_hex_and_auto() -> None:
    assert render_frame_full(b"abc", "hex") == hexdump(b"abc")
    assert render_frame_full(b"\x00abc", "auto") == hexdump(b"\x00abc")
    assert render_frame_full(b"a\nb", "auto") == "a\nb"
    assert render_frame_full(b"a\xffb", "auto") == hexdump(b"a\xffb")


def test_full_empty() -> None:
    for fmt in FORMATS:
        assert render_frame_full(b"", fmt) == "∅ (empty frame)"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("payload", ATTACKS)
def test_full_attacks_are_defused(fmt: str, payload: bytes) -> None:
    assert_safe(render_frame_full(payload, fmt), multiline=True)


@given(st.binary(max_size=300), st.sampled_from(FORMATS))
def test_full_is_always_safe(data: bytes, fmt: str) -> None:
    assert_safe(render_frame_full(data, fmt), multiline=True)


def test_full_caps_large_frames() -> None:
    data = b"A" * (64 << 20)
    text = render_frame_full(data, "text")
    assert text.endswith("\n… (64.0 MiB total, first 1.0 MiB shown)")
    assert len(text) < FULL_TEXT_LIMIT + 100
    dump = render_frame_full(data, "hex")
    assert dump.endswith("\n… (64.0 MiB total, first 64.0 KiB shown)")
    assert dump.count("\n") == FULL_HEX_LIMIT // 16
    auto = render_frame_full(data, "auto")
    assert auto == text
    js = render_frame_full(data, "json")
    assert js.startswith("(not formatted as JSON: larger than 16.0 MiB)\nAAAA")
    assert js.endswith("\n… (64.0 MiB total, first 1.0 MiB shown)")


def test_full_custom_limit_and_cut_multibyte() -> None:
    data = "é".encode() * 10  # 20 bytes
    out = render_frame_full(data, "text", limit=5)
    assert out == "éé\n… (20 B total, first 4 B shown)"


def test_full_pretty_json_cut() -> None:
    data = json.dumps(list(range(1000))).encode()
    out = render_frame_full(data, "json", limit=50)
    assert out.startswith("[\n  0,\n  1,")
    assert out.endswith("\n… (4.8 KiB total, formatted JSON cut)")


def test_codec_imports_neither_textual_nor_zmq() -> None:
    code = (
        "import sys, zmqdash.codec; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'zmq')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@given(st.text())
def test_stand_ins_keep_every_character_in_its_place(s: str) -> None:
    from zmqdash.codec import stand_ins

    shown = stand_ins(s)
    assert len(shown) == len(s)
    assert_safe(shown.replace("\\", ""))
    for before, after in zip(s, shown, strict=True):
        assert after == before or escape_text(before) != before


def test_stand_ins_look_like_what_they_stand_for() -> None:
    from zmqdash.codec import stand_ins

    assert stand_ins("a\x1b]0;x\x07b") == "a␛]0;x␇b"
    assert stand_ins("\x00\x7f\x9b\u202e\u200b\\") == "␀␡���\\"
