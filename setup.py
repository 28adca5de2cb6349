"""Build the one compiled helper (the IIR filter loop); everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "pelvicore.signal._iir",
            ["src/pelvicore/signal/_iir.c"],
            extra_compile_args=["-O3", "-march=native"],
            optional=True,
        )
    ]
)
