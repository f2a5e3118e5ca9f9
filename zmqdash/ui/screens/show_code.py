"""Show as code: the ``zmqdash cat`` line and a pyzmq program that make a socket again.

``c`` copies the line, ``y`` the program (OSC 52, like the inspector: it works over SSH), ``w``
writes the program to a file. What the code cannot reproduce is said above it.
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...codec import escape_text


class ShowCodeScreen(Screen[None]):
    """Escape closes."""

    BINDINGS = [
        Binding("escape,q", "close", "Close", id="code.close"),
        Binding("c", "copy_command", "Copy command", id="code.copy_command",
                tooltip="Copy the zmqdash command line (OSC 52: works over SSH)"),
        Binding("y", "copy_program", "Copy program", id="code.copy_program",
                tooltip="Copy the Python program (OSC 52: works over SSH)"),
        Binding("w", "save_program", "Save program", id="code.save_program",
                tooltip="Write the Python program to a file"),
    ]

    def __init__(self, title: str, code) -> None:
        super().__init__(classes="show-code")
        self.title_text = title
        self.code = code

    def compose(self) -> ComposeResult:
        yield Static(id="code-head")
        with VerticalScroll(id="code-body"):
            yield Static(id="code-text")
        yield Footer()

    def on_mount(self) -> None:
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append(self.title_text, style="bold")
        head.append(" · as code")
        self.query_one("#code-head", Static).update(head)
        parts: list[RenderableType] = []
        if self.code.notes:
            notes = Text(style="italic")
            for note in self.code.notes:
                notes.append(f"• {note}\n")  # already terminal-safe (escaped where made)
            parts.append(notes)
        parts.append(Text("── shell (c copies) ──", style="bold"))
        parts.append(Text(escape_text(self.code.command) + "\n"))
        parts.append(Text(f"── Python: {escape_text(self.code.filename)} "
                          "(y copies, w saves) ──", style="bold"))
        # the program is ASCII-safe text made from literals (payloads appear as escapes)
        parts.append(Syntax(self.code.program, "python", theme="ansi_dark",
                            word_wrap=True, background_color="default"))
        self.query_one("#code-text", Static).update(Group(*parts))
        self.query_one("#code-body").focus()

    def action_copy_command(self) -> None:
        self.app.copy_to_clipboard(self.code.command)
        self.notify("Copied the command line.")

    def action_copy_program(self) -> None:
        self.app.copy_to_clipboard(self.code.program)
        self.notify("Copied the program.")

    def action_save_program(self) -> None:
        default = str(Path.cwd() / self.code.filename)

        def save(path: str) -> None:
            path = path.strip()
            if not path:
                return
            target = Path(path).expanduser().absolute()
            try:
                with open(target, "x", encoding="utf-8") as out:  # never replaces a file
                    out.write(self.code.program)
            except FileExistsError:
                self.notify(f"{target} exists already; choose another name",
                            title="Not saved", severity="error")
                return
            except OSError as exc:
                self.notify(f"cannot write {target}: {exc.strerror or exc}",
                            title="Not saved", severity="error")
                return
            self.notify(f"Saved to {target}", title="Program saved")

        from .dialogs import PromptScreen

        def chosen(path: str | None) -> None:
            if path is not None:  # (None: cancelled)
                save(path)

        self.app.push_screen(PromptScreen("Save the program as", default,
                                          hint="A new file (an existing one is never "
                                               "replaced)."), chosen)

    def action_close(self) -> None:
        self.dismiss(None)
