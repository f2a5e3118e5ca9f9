"""The dashboard's one-line text field: Textual's Input, drawn terminal-safe.

A field's value can come from outside: a snippet or an auto-reply template from a session file,
the composer's history, a paste. Textual's Input draws its value as it is, so an ESC in it would
reach the terminal raw (a pasted OSC 52 sequence would write the clipboard). Here every control
or invisible character is drawn as one visible stand-in of one cell (``␛``, ``�``; see
:func:`~zmqdash.codec.stand_ins`), so the cursor and the characters keep their places, while
the value, and what is sent, keeps the real characters.
"""

from __future__ import annotations

from rich.cells import cell_len, get_character_cell_size
from rich.text import Text
from textual.widgets import Input

from ...codec import stand_ins


class TextInput(Input):
    """An :class:`~textual.widgets.Input` that never draws a control character."""

    @property
    def _value(self) -> Text:
        if self.password:
            return super()._value
        text = Text(stand_ins(self.value), no_wrap=True, overflow="ignore", end="")
        return text if self.highlighter is None else self.highlighter(text)

    # Where the cursor is and what a click hits are measured on what is drawn.

    def _position_to_cell(self, position: int) -> int:
        return cell_len(stand_ins(self.value[:position]).expandtabs(4))

    def _cell_offset_to_index(self, offset: int) -> int:
        scroll_x, _ = self.scroll_offset
        offset += scroll_x
        cell = 0
        for index, char in enumerate(stand_ins(self.value)):
            width = get_character_cell_size(char)
            if cell <= offset < cell + width:
                return index
            cell += width
        return max(0, min(offset, len(self.value)))
