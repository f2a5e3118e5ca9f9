"""User text to frames: prefixes, files, separators, and the prefix round trip."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zmqdash.codec import (
    MAX_FILE_SIZE,
    CodecError,
    bytes_to_prefix,
    join_frames,
    parse_frame,
    parse_message,
    prefix_to_bytes,
    split_frames,
)

# -- parse_frame ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("hello", b"hello"),
        ("", b""),
        ("héllo 😀", "héllo 😀".encode()),
        ("back\\slash \\n", b"back\\slash \\n"),  # no escapes in plain text
        ("HEX:ff", b"HEX:ff"),  # prefixes are lower case
        (" hex:ff", b" hex:ff"),
        ("hex:48656c6c6f", b"Hello"),
        ("hex:48 65 6C 6c 6F", b"Hello"),
        ("hex:de:ad:BE:ef", b"\xde\xad\xbe\xef"),
        ("hex: 00\t01\n", b"\x00\x01"),
        ("b64:SGVsbG8=", b"Hello"),
        ("b64:SGVsbG8", b"Hello"),  # missing padding is added
        ("b64:SGVs bG8=", b"Hello"),
        ("b64:+/8=", b"\xfb\xff"),
        ("b64:-_8=", b"\xfb\xff"),  # URL-safe alphabet
        ("b64:AAAA", b"\x00\x00\x00"),
        ("text:hex:ff", b"hex:ff"),
        ("text:", b""),
        ("text:text:", b"text:"),
        ("text:@file", b"@file"),
        ("@@", b"@"),
        ("@@handle", b"@handle"),
        ("@@@x", b"@@x"),
    ],
)
def test_parse_frame(text: str, data: bytes) -> None:
    assert parse_frame(text) == data


def test_plain_text_keeps_surrogateescaped_bytes() -> None:
    # a non-UTF-8 command line argument arrives with its bytes as lone surrogates
    assert parse_frame(b"\xffab".decode("utf-8", "surrogateescape")) == b"\xffab"


def test_plain_text_with_unencodable_surrogate() -> None:
    with pytest.raises(CodecError, match="cannot encode"):
        parse_frame("a\ud800")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hex:", "hex: no hex digits"),
        ("hex:  ", "hex: no hex digits"),
        ("hex:abc", r"hex: odd number of hex digits \(3\)"),
        ("hex:4g", "hex: invalid character 'g' at position 6"),
        ("hex:0x41", "hex: invalid character 'x' at position 6"),
        ("hex:41\x1b", "hex: invalid character U\\+001B at position 7"),
        ("b64:SGV\u200b", "b64: invalid character U\\+200B at position 8"),
        ("b64:", "b64: no data"),
        ("b64:a", "b64: bad length: 1 characters"),
        ("b64:SGVsb", "b64: bad length: 5 characters"),
        ("b64:SGVsbG8===", "b64: bad padding: 3 '='"),
        ("b64:SG==", None),  # valid: checked below
        ("b64:SGV==", "b64: bad padding: 2 '=' after 3"),
        ("b64:S=GV", r"b64: bad padding: '=' in the middle \(position 6\)"),
        ("b64:SGV*", "b64: invalid character '\\*' at position 8"),
        ("@", "@: no file name"),
    ],
)
def test_parse_frame_errors(text: str, message: str | None) -> None:
    if message is None:
        assert parse_frame(text) == b"H"
        return
    with pytest.raises(CodecError, match=message):
        parse_frame(text)


def test_codec_error_is_a_value_error() -> None:
    assert issubclass(CodecError, ValueError)


# -- @file ---------------------------------------------------------------------------------------


def test_file(tmp_path) -> None:
    path = tmp_path / "payload.bin"
    path.write_bytes(b"\x00\x01binary\xff")
    assert parse_frame(f"@{path}") == b"\x00\x01binary\xff"
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert parse_frame(f"@{empty}") == b""


def test_file_tilde_is_expanded(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "msg.txt").write_bytes(b"from home")
    assert parse_frame("@~/msg.txt") == b"from home"


def test_missing_file(tmp_path) -> None:
    with pytest.raises(CodecError, match=r"^cannot read @.*nope: No such file"):
        parse_frame(f"@{tmp_path}/nope")


def test_directory(tmp_path) -> None:
    with pytest.raises(CodecError, match=r"^cannot read @.*: Is a directory$"):
        parse_frame(f"@{tmp_path}")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(tmp_path) -> None:
    path = tmp_path / "secret"
    path.write_bytes(b"x")
    path.chmod(0)
    with pytest.raises(CodecError, match="Permission denied"):
        parse_frame(f"@{path}")


def test_file_too_large(tmp_path) -> None:
    path = tmp_path / "huge"
    with open(path, "wb") as f:  # sparse: no real disk use
        f.truncate(MAX_FILE_SIZE + 1)
    with pytest.raises(CodecError, match=r"256\.0 MiB is more than the 256\.0 MiB limit"):
        parse_frame(f"@{path}")
    assert MAX_FILE_SIZE == 256 << 20


def test_error_names_the_path_as_typed() -> None:
    with pytest.raises(CodecError, match=r"^cannot read @~/no/such/file: "):
        parse_frame("@~/no/such/file")


# -- split_frames / parse_message ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sep", "parts"),
    [
        ("a|b|c", "|", ["a", "b", "c"]),
        ("abc", "|", ["abc"]),
        ("", "|", [""]),
        ("|", "|", ["", ""]),
        ("a||b", "|", ["a", "", "b"]),
        ("a\\|b", "|", ["a|b"]),
        ("a\\\\|b", "|", ["a\\", "b"]),  # two backslashes: one literal backslash, then a split
        ("a\\\\\\|b", "|", ["a\\|b"]),
        ("a\\b|c\\", "|", ["a\\b", "c\\"]),  # other backslashes stay
        ("x :: y::z", "::", ["x ", " y", "z"]),
        ("x \\:: y", "::", ["x :: y"]),
        ("a b", " ", ["a", "b"]),
    ],
)
def test_split_frames(text: str, sep: str, parts: list[str]) -> None:
    assert split_frames(text, sep) == parts


@pytest.mark.parametrize("sep", ["", "\\", "a\\"])
def test_split_frames_bad_separator(sep: str) -> None:
    with pytest.raises(CodecError, match="separator"):
        split_frames("a", sep)


def test_parse_message() -> None:
    assert parse_message("hex:41|text:a\\|b||@@x", "|") == [b"A", b"a|b", b"", b"@x"]
    assert parse_message("a|b") == [b"a|b"]
    assert parse_message("", "|") == [b""]
    assert parse_message("|", "|") == [b"", b""]  # e.g. a ROUTER envelope delimiter


def test_parse_message_error_names_the_frame() -> None:
    with pytest.raises(CodecError, match=r"^frame 2: hex: odd number"):
        parse_message("ok|hex:abc", "|")
    with pytest.raises(CodecError, match=r"^hex: odd number"):
        parse_message("hex:abc", "|")


def test_parse_message_with_file(tmp_path) -> None:
    path = tmp_path / "body"
    path.write_bytes(b"BODY")
    assert parse_message(f"topic|@{path}", "|") == [b"topic", b"BODY"]


def escape_part(part: str, sep: str, last: bool) -> str:
    """The documented rule in reverse: before a separator, a run of n backslashes is written as
    2n (then the split) or 2n + 1 (then a literal separator)."""
    pieces = part.split(sep)
    out = []
    for i, piece in enumerate(pieces):
        stripped = piece.rstrip("\\")
        run = len(piece) - len(stripped)
        if i < len(pieces) - 1:
            out.append(stripped + "\\" * (2 * run + 1) + sep)
        elif last:
            out.append(piece)
        else:
            out.append(stripped + "\\" * (2 * run))
    return "".join(out)


@given(
    st.lists(st.text(alphabet="ab|;\\ ", max_size=8) | st.text(max_size=5), min_size=1, max_size=5),
    st.sampled_from(["|", ";"]),
)
def test_split_frames_escape_round_trip(parts: list[str], sep: str) -> None:
    text = sep.join(escape_part(p, sep, i == len(parts) - 1) for i, p in enumerate(parts))
    assert split_frames(text, sep) == parts


# -- prefixes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"", ""),
        (b"weather.", "weather."),
        ("日本".encode(), "日本"),
        (b"a\\b", "a\\b"),
        (b"\x00\x01", "hex:0001"),
        (b"\xff", "hex:ff"),
        (b"a\nb", "hex:610a62"),  # single line only
        (b"a\tb", "hex:610962"),
        ("\u202e".encode(), "hex:e280ae"),
        (b"hex:ff", "text:hex:ff"),
        (b"b64:AA", "text:b64:AA"),
        (b"text:x", "text:text:x"),
        (b"@x", "text:@x"),
        (b"@@", "text:@@"),
        (b"HEX:ff", "HEX:ff"),
    ],
)
def test_bytes_to_prefix(data: bytes, text: str) -> None:
    assert bytes_to_prefix(data) == text
    assert prefix_to_bytes(text) == data


def test_prefix_to_bytes_syntax() -> None:
    assert prefix_to_bytes("hex:0a") == b"\n"
    assert prefix_to_bytes("b64:AA==") == b"\x00"
    assert prefix_to_bytes("@@x") == b"@x"
    assert prefix_to_bytes("text:@x") == b"@x"
    with pytest.raises(CodecError, match="odd number"):
        prefix_to_bytes("hex:0")


def test_prefix_never_reads_files(tmp_path) -> None:
    path = tmp_path / "secret"
    path.write_bytes(b"secret")
    with pytest.raises(CodecError, match="cannot be used here"):
        prefix_to_bytes(f"@{path}")


@given(st.binary())
def test_prefix_round_trip_bytes(data: bytes) -> None:
    assert prefix_to_bytes(bytes_to_prefix(data)) == data


@given(st.text())
def test_prefix_round_trip_text(text: str) -> None:
    try:
        data = text.encode()
    except UnicodeEncodeError:
        return
    prefix = bytes_to_prefix(data)
    assert prefix_to_bytes(prefix) == data
    assert parse_frame(prefix) == data  # the send box understands it too


@given(st.sampled_from(["hex:", "b64:", "text:", "@", "@@", "hex", "b64"]), st.text())
def test_prefix_round_trip_lookalikes(start: str, rest: str) -> None:
    data = (start + rest).encode("utf-8", "surrogatepass")
    assert prefix_to_bytes(bytes_to_prefix(data)) == data


@given(st.lists(st.text(alphabet="ab|\\ ", max_size=8), min_size=1, max_size=5),
       st.sampled_from(["|", ",", "/"]))
def test_join_frames_is_split_frames_undone(frames: list[str], sep: str) -> None:
    frames = [f.replace("|", sep) for f in frames]
    assert split_frames(join_frames(frames, sep), sep) == frames


def test_join_frames_escapes_only_what_it_must() -> None:
    assert join_frames(["topic", "a|b", "c\\"], "|") == "topic|a\\|b|c\\"
    assert join_frames(["c\\", "d"], "|") == "c\\\\|d"
