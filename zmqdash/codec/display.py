"""Bytes to text that is safe to put on a terminal.

Payloads are arbitrary bytes and may carry terminal escape sequences (``ESC [2J``, an OSC 52
clipboard write, a C1 ``CSI``) or bidi overrides that reorder what is shown. Nothing produced
here contains such a character: every control, separator and bidi control is written as a
visible escape, and a backslash is doubled so the output is unambiguous.

Escapes used (see ``docs/codec.md``):

- ``\\n``, ``\\r``, ``\\t`` and ``\\\\`` for newline, carriage return, tab and backslash;
- ``\\xNN`` for the other C0 controls and DEL (always below ``\\x80``) and, in decoded bytes,
  for a byte that is not valid UTF-8 (always ``\\x80`` or above);
- ``\\uNNNN`` for C1 controls, U+2028/2029, bidi controls, lone surrogates and invisible
  characters (zero-width and other format characters such as U+200B, U+FEFF, U+00AD, and the
  fillers that show as nothing); ``\\UNNNNNNNN`` for those beyond U+FFFF (tag characters).

So ``\\x85`` is the invalid byte 0x85, while ``\\u0085`` is the (valid) character NEL.

One-line renderings are cut to a character budget and then end with the marker
``" … (<size> total)"`` giving the full size; they look only at the bytes they need, so a
64 MiB frame costs no more than a small one.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Sequence
from typing import Any

FORMATS = ("auto", "text", "hex", "json")

#: shown for a zero-length frame
EMPTY_FRAME = "∅"
#: between the frames of a multipart message on one line
FRAME_SEPARATOR = " │ "
#: ellipsis that starts every truncation marker
ELLIPSIS = "…"
#: bytes decoded for the multi-line text / JSON view
FULL_TEXT_LIMIT = 1 << 20
#: bytes dumped for the multi-line hex view (16 bytes a line: 4096 lines)
FULL_HEX_LIMIT = 64 << 10
#: frames larger than this are not parsed as JSON for a one-line row (shown as text)
ROW_JSON_MAX = 256 << 10
#: frames larger than this are not parsed as JSON for the multi-line view (shown as text)
FULL_JSON_MAX = 16 << 20

# Characters that must never reach the terminal raw (as regex class ranges). Lone surrogates
# cannot even be encoded for output; in decoded bytes they stand for invalid bytes
# (surrogateescape), which are shown as \xNN.
_C0 = "\x00-\x1f"  # incl. ESC, \t, \n, \r
_C0_NO_WS = "\x00-\x08\x0b\x0c\x0e-\x1f"  # the same without \t \n \r
_OTHER_UNSAFE = (
    "\x7f-\x9f"  # DEL, C1 (incl. CSI \x9b, OSC \x9d)
    "\u061c\u200e\u200f"  # Arabic letter mark, LRM, RLM
    "\u2028\u2029"  # line / paragraph separator
    "\u202a-\u202e"  # bidi embeddings and overrides
    "\u2066-\u2069"  # bidi isolates
    "\ud800-\udfff"  # lone surrogates
)
# Characters that show as nothing (or change how their neighbours look) but are not controls:
# every format character (Unicode category Cf, as of Unicode 15.1: zero-width space and joiners,
# soft hyphen, word joiner, BOM, interlinear annotations, tag characters ...) and the fillers
# and joiners that render blank. Escaped like controls, so two names that differ only by one
# of them never look alike and a row never shifts a border; unlike controls they do not make
# a payload "not printable" (``auto`` still shows text with them as text).
_INVISIBLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x0600, 0x0605), (0x06DD, 0x06DD),
    (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180E, 0x180E), (0x200B, 0x200D), (0x2060, 0x2064),
    (0x206A, 0x206F), (0x3164, 0x3164), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0),
    (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F),
)
_INVISIBLE_CHARS = [chr(o) for lo, hi in _INVISIBLE_RANGES for o in range(lo, hi + 1)]
_INVISIBLE = "".join(chr(lo) if lo == hi else f"{chr(lo)}-{chr(hi)}"
                     for lo, hi in _INVISIBLE_RANGES)
_ESC_RE = re.compile("[\\\\" + _C0 + _OTHER_UNSAFE + _INVISIBLE + "]")
# What is_printable rejects: the unsafe set minus \t \n \r (a backslash is fine).
_NONPRINT_RE = re.compile("[" + _C0_NO_WS + _OTHER_UNSAFE + "]")
# For JSON output: json.dumps escapes C0 controls, quotes and backslashes inside strings, so a
# raw C0 character there is layout (indent newlines); the rest of the unsafe set it leaves raw.
_JSON_RE = re.compile("[" + _OTHER_UNSAFE + _INVISIBLE + "]")
# A JSON escape cut short at the end of a truncated row: an odd run of backslashes, then an
# optional incomplete \uNNNN.
_JSON_PARTIAL_RE = re.compile(r"(?<!\\)(?:\\\\)*(\\(?:u[0-9a-fA-F]{0,3})?)$")


def _char_escape(c: str) -> str:
    o = ord(c)
    if c == "\\":
        return "\\\\"
    if c == "\n":
        return "\\n"
    if c == "\r":
        return "\\r"
    if c == "\t":
        return "\\t"
    if o < 0x80:
        return f"\\x{o:02x}"
    if o > 0xFFFF:
        return f"\\U{o:08x}"
    return f"\\u{o:04x}"


def _json_escape(c: str) -> str:
    o = ord(c)
    if o > 0xFFFF:  # JSON spells a character beyond U+FFFF as its UTF-16 surrogate pair
        o -= 0x10000
        return f"\\u{0xD800 + (o >> 10):04x}\\u{0xDC00 + (o & 0x3FF):04x}"
    return f"\\u{o:04x}"


def _build_table(*, keep_newline: bool = False, bytes_escaped: bool = False) -> dict[str, str]:
    chars = ["\\"]
    chars += [chr(o) for o in range(0x20)] + [chr(o) for o in range(0x7F, 0xA0)]
    chars += ["\u061c", "\u200e", "\u200f", "\u2028", "\u2029"]
    chars += [chr(o) for o in range(0x202A, 0x202F)] + [chr(o) for o in range(0x2066, 0x206A)]
    chars += _INVISIBLE_CHARS
    # Lone surrogates (2048 of them) are left to _char_escape by _lookup.
    table = {c: _char_escape(c) for c in chars}
    if keep_newline:
        table["\n"] = "\n"
    if bytes_escaped:
        # surrogateescape maps an undecodable byte 0xNN to U+DCNN
        for b in range(0x80, 0x100):
            table[chr(0xDC00 + b)] = f"\\x{b:02x}"
    return table


_TABLE = _build_table()
_TABLE_BYTES = _build_table(bytes_escaped=True)
_TABLE_BYTES_NL = _build_table(bytes_escaped=True, keep_newline=True)
# What json.dumps leaves raw (DEL, C1, bidi, separators, lone surrogates) becomes a JSON
# \\uNNNN escape, so the result stays valid JSON.
_TABLE_JSON = {c: _json_escape(c) for c in _TABLE if c >= "\x7f"}


def _lookup(table: dict[str, str], c: str) -> str:
    esc = table.get(c)
    return _char_escape(c) if esc is None else esc


def _sub(s: str, table: dict[str, str], pattern: re.Pattern[str] = _ESC_RE) -> str:
    if pattern.search(s) is None:
        return s
    return pattern.sub(lambda m: _lookup(table, m.group()), s)


def _sub_limited(
    s: str, table: dict[str, str], limit: int, pattern: re.Pattern[str] = _ESC_RE
) -> tuple[str, bool]:
    """Escape ``s`` into at most ``limit`` characters, never cutting an escape in half.

    Returns the text and whether anything was left out. Every source character yields at least
    one output character, so only the first ``limit`` source characters are ever scanned.
    """
    parts: list[str] = []
    n = 0
    pos = 0
    for m in pattern.finditer(s, 0, min(len(s), limit)):
        start = m.start()
        if start > pos:
            run = s[pos:start]
            room = limit - n
            if len(run) > room:
                parts.append(run[:room])
                return "".join(parts), True
            parts.append(run)
            n += len(run)
        esc = _lookup(table, m.group())
        if n + len(esc) > limit:
            return "".join(parts), True
        parts.append(esc)
        n += len(esc)
        pos = m.end()
    # No unsafe character in s[pos:limit]; anything beyond it is cut off anyway.
    run = s[pos:]
    room = limit - n
    if len(run) > room:
        parts.append(run[:room])
        return "".join(parts), True
    parts.append(run)
    return "".join(parts), False


def escape_text(s: str) -> str:
    """``s`` with every control, separator, bidi control and invisible character escaped
    visibly, and ``\\`` doubled: the one way text from outside (names, endpoints, file names,
    option values, error strings) is made safe to show, on the command line and on screen."""
    return _sub(s, _TABLE)


def first_unsafe(s: str) -> str | None:
    """The first character of ``s`` that :func:`escape_text` would escape, a backslash aside
    (None if there is none): what a name must not hold, so that it shows as it is."""
    for m in _ESC_RE.finditer(s):
        if m.group() != "\\":
            return m.group()
    return None


def _stand_in(c: str) -> str:
    o = ord(c)
    if o < 0x20:
        return chr(0x2400 + o)  # the Control Pictures: ␀ ... ␛ ... ␟
    return "\u2421" if o == 0x7F else "\ufffd"  # ␡, else �


def stand_ins(s: str) -> str:
    """``s`` with each character :func:`escape_text` would escape (a backslash aside) replaced
    by one visible character one cell wide: ``␛`` for ESC and the other Control Pictures for
    C0 and DEL, ``�`` for the rest. For a field being edited, where every character must keep
    its place (the value itself keeps the real characters)."""
    if _ESC_RE.search(s) is None:
        return s
    return _ESC_RE.sub(lambda m: m.group() if m.group() == "\\" else _stand_in(m.group()), s)


def describe_char(c: str) -> str:
    """A character for a message: ``'x'``, or ``U+200B`` for one that does not show as itself."""
    return f"'{c}'" if c != "\\" and first_unsafe(c) is None else f"U+{ord(c):04X}"


def _decode_head(data: bytes, nbytes: int, errors: str) -> tuple[str, bool]:
    """Decode at most the first ``nbytes`` bytes as UTF-8; a character cut by the slice is
    held back rather than shown as broken bytes. Returns the text and whether bytes were left."""
    if len(data) <= nbytes:
        return data.decode("utf-8", errors), False
    decoder = codecs.getincrementaldecoder("utf-8")(errors)
    return decoder.decode(data[:nbytes], False), True


def decode_text(data: bytes) -> str:
    """UTF-8 decode with each invalid byte shown as ``\\xNN``, then escaped. Never raises."""
    return _sub(data.decode("utf-8", "surrogateescape"), _TABLE_BYTES)


def is_printable(data: bytes) -> bool:
    """True if ``data`` is valid UTF-8 with no control characters other than tab, LF and CR
    (and no bidi controls or line/paragraph separators)."""
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return _NONPRINT_RE.search(s) is None


def human_size(n: int) -> str:
    """A byte count for people: ``"64 B"``, ``"1.0 KiB"``, ``"64.0 MiB"``."""
    if n < 1024:
        return f"{n} B"
    value = float(n)
    units = ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
    for i, unit in enumerate(units):
        value /= 1024
        if round(value, 1) < 1024 or i == len(units) - 1:
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def _marker(total_bytes: int, frames: int | None = None) -> str:
    if frames is None:
        return f" {ELLIPSIS} ({human_size(total_bytes)} total)"
    return f" {ELLIPSIS} ({frames} frames, {human_size(total_bytes)} total)"


def _hex_inline(data: bytes, limit: int) -> tuple[str, bool]:
    count = max((limit + 1) // 3, 0)  # n bytes take 3n - 1 characters
    if count >= len(data):
        return data.hex(" "), False
    return data[:count].hex(" "), True


def hex_inline(data: bytes, limit: int) -> str:
    """One line ``48 65 6c 6c 6f``: at most ``limit`` characters of hex, then the truncation
    marker if bytes were left out."""
    text, cut = _hex_inline(data, limit)
    return text + _marker(len(data)) if cut else text


def _text_row(data: bytes, limit: int) -> tuple[str, bool]:
    # A character is at most 4 bytes and yields at least one output character, so this many
    # bytes always fill the budget.
    s, sliced = _decode_head(data, 4 * limit + 4, "surrogateescape")
    text, cut = _sub_limited(s, _TABLE_BYTES, limit)
    return text, cut or sliced


def _json_loads(data: bytes) -> Any:
    """Parse JSON or raise ValueError (also for invalid UTF-8, huge ints, deep nesting)."""
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc


def _json_row(data: bytes, limit: int) -> tuple[str, bool] | None:
    if len(data) > ROW_JSON_MAX:
        return None
    try:
        s = json.dumps(_json_loads(data), ensure_ascii=False, separators=(",", ":"))
    except (ValueError, RecursionError):
        return None
    text, cut = _sub_limited(s, _TABLE_JSON, limit, _JSON_RE)
    if cut:
        m = _JSON_PARTIAL_RE.search(text)
        if m is not None:
            text = text[: m.start(1)]
    return text, cut


def _render(data: bytes, fmt: str, limit: int) -> tuple[str, bool]:
    """One-line rendering within ``limit`` characters, and whether it was cut."""
    if not data:
        return (EMPTY_FRAME, False) if limit >= len(EMPTY_FRAME) else ("", True)
    if fmt == "hex":
        return _hex_inline(data, limit)
    if fmt == "json":
        row = _json_row(data, limit)
        if row is not None:
            return row
        return _text_row(data, limit)
    if fmt == "text":
        return _text_row(data, limit)
    if fmt == "auto":
        # Decide on the part that would be shown: never scan 64 MiB for a 2000-character row.
        try:
            s, sliced = _decode_head(data, 4 * limit + 4, "strict")
        except UnicodeDecodeError:
            return _hex_inline(data, limit)
        if _NONPRINT_RE.search(s) is not None:
            return _hex_inline(data, limit)
        text, cut = _sub_limited(s, _TABLE, limit)
        return text, cut or sliced
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def render_frame(data: bytes, fmt: str = "auto", limit: int = 2000) -> str:
    """One terminal-safe line for a log row.

    ``text``: decoded and escaped; ``hex``: ``48 65 6c``; ``json``: compact JSON if the bytes
    parse, else as ``text``; ``auto``: ``text`` if printable, else ``hex``. An empty frame is
    ``∅``. Text beyond ``limit`` characters is cut and ``" … (<size> total)"`` appended.
    """
    text, cut = _render(data, fmt, limit)
    return text + _marker(len(data)) if cut else text


def render_frames(frames: Sequence[bytes], fmt: str = "auto", limit: int = 2000) -> str:
    """One line for a multipart message: frames joined by ``" │ "``, empty frames as ``∅``.

    The frames and separators together take at most ``limit`` characters; if anything is left
    out the line ends with ``" … (<n> frames, <size> total)"``. A single frame renders exactly
    as :func:`render_frame`.
    """
    if len(frames) == 1:
        return render_frame(frames[0], fmt, limit)
    text, cut = render_row(frames, fmt, limit)
    return text + _marker(sum(len(f) for f in frames), len(frames)) if cut else text


def render_row(frames: Sequence[bytes], fmt: str = "auto", limit: int = 2000) -> tuple[str, bool]:
    """The frames on one line in at most ``limit`` characters, with no marker, and whether
    anything was left out (a caller that knows its width says so in its own words)."""
    if len(frames) == 1:
        return _render(frames[0], fmt, limit)
    parts: list[str] = []
    used = 0
    cut = False
    for i, frame in enumerate(frames):
        if i:
            if used + len(FRAME_SEPARATOR) >= limit:
                cut = True
                break
            parts.append(FRAME_SEPARATOR)
            used += len(FRAME_SEPARATOR)
        text, cut = _render(frame, fmt, limit - used)
        parts.append(text)
        used += len(text)
        if cut:
            break
    return "".join(parts), cut


def hexdump(data: bytes, limit: int | None = None) -> str:
    """Classic multi-line dump, 16 bytes a line, like ``hexdump -C``::

        00000000  48 65 6c 6c 6f 20 77 6f  72 6c 64 0a              |Hello world.|

    Only the first ``limit`` bytes are dumped (all if None); a last line
    ``… (<size> total, first <size> shown)`` says so when bytes were left out.
    """
    shown = data if limit is None or len(data) <= limit else data[: max(limit, 0)]
    lines = []
    for off in range(0, len(shown), 16):
        chunk = shown[off : off + 16]
        left = chunk[:8].hex(" ")
        right = chunk[8:].hex(" ")
        ascii_ = chunk.translate(_DUMP_ASCII).decode("ascii")
        lines.append(f"{off:08x}  {left:<23}  {right:<23}  |{ascii_}|")
    if len(shown) < len(data):
        lines.append(_full_note(len(data), len(shown)))
    return "\n".join(lines)


_DUMP_ASCII = bytes(b if 0x20 <= b < 0x7F else 0x2E for b in range(256))


def _full_note(total: int, shown: int) -> str:
    return f"{ELLIPSIS} ({human_size(total)} total, first {human_size(shown)} shown)"


def _full_text(data: bytes, limit: int) -> str:
    s, sliced = _decode_head(data, limit, "surrogateescape")
    text = _sub(s, _TABLE_BYTES_NL)
    if sliced:
        text += "\n" + _full_note(len(data), len(s.encode("utf-8", "surrogateescape")))
    return text


def render_frame_full(data: bytes, fmt: str = "auto", limit: int | None = None) -> str:
    """Multi-line terminal-safe form for an inspector.

    ``text``: escaped, but newlines stay line breaks; ``hex``: :func:`hexdump`; ``json``:
    pretty-printed (indent 2), or text under a ``(not JSON: ...)`` note; ``auto``: text if
    printable, else hex. At most ``limit`` bytes are shown (default :data:`FULL_TEXT_LIMIT`
    for text and JSON, :data:`FULL_HEX_LIMIT` for hex), with a closing note of the full size.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not data:
        return f"{EMPTY_FRAME} (empty frame)"
    if fmt == "auto":
        # Undecodable bytes become lone surrogates, which _NONPRINT_RE also rejects.
        head, _ = _decode_head(data, FULL_TEXT_LIMIT if limit is None else limit, "surrogateescape")
        fmt = "hex" if _NONPRINT_RE.search(head) else "text"
    if fmt == "hex":
        return hexdump(data, FULL_HEX_LIMIT if limit is None else limit)
    text_limit = FULL_TEXT_LIMIT if limit is None else limit
    if fmt == "json":
        if len(data) > FULL_JSON_MAX:
            note = f"(not formatted as JSON: larger than {human_size(FULL_JSON_MAX)})"
            return note + "\n" + _full_text(data, text_limit)
        try:
            pretty = json.dumps(_json_loads(data), ensure_ascii=False, indent=2)
        except (ValueError, RecursionError) as exc:
            return f"(not JSON: {escape_text(str(exc))})\n" + _full_text(data, text_limit)
        pretty = _sub(pretty, _TABLE_JSON, _JSON_RE)
        if len(pretty) > text_limit:
            cut = f"{ELLIPSIS} ({human_size(len(data))} total, formatted JSON cut)"
            pretty = pretty[:text_limit] + "\n" + cut
        return pretty
    return _full_text(data, text_limit)
