"""Dialogs and full screens, each imported only when first opened."""
