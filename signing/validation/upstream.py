"""The changes to pyHanko and asn1crypto that validation makes, put in place and taken out
together: each module named here could be offered upstream, and gives the answers of the code
it stands in for (tests/signing/test_speedups.py, tests/signing/test_validation_speedups.py).
"""

from __future__ import annotations


def install_speedups() -> None:
    """The faster hex-string and token readers, name comparison and certificate extraction (same
    results; modules that could go upstream to pyHanko and asn1crypto)."""
    from signing.validation import (
        upstream_cms,
        upstream_hex,
        upstream_names,
        upstream_paths,
        upstream_tokens,
    )

    upstream_hex.install()
    upstream_names.install()
    upstream_cms.install()
    upstream_paths.install()
    upstream_tokens.install()


def uninstall_speedups() -> None:
    """pyHanko and asn1crypto as they come (benchmarks compare against them in one process)."""
    from signing.validation import (
        upstream_cms,
        upstream_hex,
        upstream_names,
        upstream_paths,
        upstream_tokens,
    )

    upstream_hex.uninstall()
    upstream_names.uninstall()
    upstream_cms.uninstall()
    upstream_paths.uninstall()
    upstream_tokens.uninstall()
