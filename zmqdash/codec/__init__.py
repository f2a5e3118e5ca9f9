"""Bytes to terminal-safe text, user input to frames, log entries to JSON Lines.

Pure Python with no UI and no socket code, so the command line, the UI and the engine share it.
"""

from .display import (
    EMPTY_FRAME,
    FORMATS,
    FRAME_SEPARATOR,
    decode_text,
    describe_char,
    escape_text,
    first_unsafe,
    hex_inline,
    hexdump,
    human_size,
    is_printable,
    render_frame,
    render_frame_full,
    render_frames,
    render_row,
    stand_ins,
)
from .input import (
    MAX_FILE_SIZE,
    CodecError,
    bytes_to_prefix,
    join_frames,
    parse_frame,
    parse_message,
    prefix_to_bytes,
    split_frames,
)
from .jsonl import (
    entry_to_json_line,
    entry_to_record,
    frame_from_json,
    frame_to_json,
    iso_time,
    table_to_record,
)

__all__ = [
    "EMPTY_FRAME",
    "FORMATS",
    "FRAME_SEPARATOR",
    "MAX_FILE_SIZE",
    "CodecError",
    "bytes_to_prefix",
    "decode_text",
    "describe_char",
    "entry_to_json_line",
    "entry_to_record",
    "escape_text",
    "first_unsafe",
    "frame_from_json",
    "frame_to_json",
    "hex_inline",
    "hexdump",
    "human_size",
    "is_printable",
    "join_frames",
    "iso_time",
    "parse_frame",
    "parse_message",
    "prefix_to_bytes",
    "render_frame",
    "render_frame_full",
    "render_frames",
    "render_row",
    "split_frames",
    "stand_ins",
    "table_to_record",
]
