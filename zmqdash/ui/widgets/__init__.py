"""Widgets of the dashboard: a socket's panel, its log, the composer and the status bar."""
