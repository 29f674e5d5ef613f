"""The compiled line loop (autotrader/feed/_speedups.pyx), built by Cython at install.

It is optional: where no C compiler is found, the install goes on without it and
replays run the pure-Python loop (autotrader/feed/lines.py), which gives the same
results more slowly."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "autotrader.feed._speedups",
            ["autotrader/feed/_speedups.pyx"],
            optional=True,
        )
    ]
)
