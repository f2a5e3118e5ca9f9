"""Builds the optional compiled receive helper; everything else is in pyproject.toml.

``optional=True``: where no C compiler or Python headers are found, the install goes on
without the helper and the engine receives in Python (see zmqdash/engine/recvpath.py).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("zmqdash.engine._recvbatch", ["zmqdash/engine/_recvbatch.c"], optional=True),
    ],
)
