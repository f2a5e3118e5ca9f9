"""The full-screen dashboard (Textual). Build it with :func:`zmqdash.ui.app.make_app`."""
