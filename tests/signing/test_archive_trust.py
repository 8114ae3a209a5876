"""Trust management: ``edochub trust add|list|remove`` over a trust directory that ``verify``
uses when no ``--trust`` is given, with separate anchors for signatures and time-stamps."""

from __future__ import annotations

import hashlib
import json

from asn1crypto import pem

from tests.signing import attack_corpus


def _fingerprint(path) -> str:
    _, _, der = pem.unarmor(path.read_bytes())
    return hashlib.sha256(der).hexdigest()


def test_trust_store_drives_verify_with_separate_timestamp_anchors(cli, pki_services, tmp_path):
    env = {"EDOCHUB_TRUST_DIR": str(tmp_path / "kho-tin-cay")}
    document = tmp_path / "quyet-dinh.pdf"
    document.write_bytes(attack_corpus.sign(pki_services, attack_corpus.base_document(),
                                            with_timestamp=True))
    gov_root, pub_root = pki_services.cert("gov-root"), pki_services.cert("pub-root")

    empty = cli("verify", document, env=env)
    assert empty.returncode == 2 and "edochub trust add" in empty.stderr, empty.stderr

    added = cli("trust", "add", gov_root, "--for", "signatures", env=env)
    assert added.returncode == 0, added.stderr
    without_tsa_root = cli("verify", document, "--json", env=env)
    (signature,) = json.loads(without_tsa_root.stdout)["files"][0]["signatures"]
    # the signer chains to gov-root, but its time-stamp's TSA chains to pub-root: not trusted
    assert (signature["indication"], signature["sub_indication"]) == (
        "INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")
    assert signature["timestamp_time"] is None

    added = cli("trust", "add", pub_root, "--for", "timestamps", env=env)
    assert added.returncode == 0, added.stderr
    run = cli("verify", document, "--json", env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    (signature,) = json.loads(run.stdout)["files"][0]["signatures"]
    assert signature["indication"] == "TOTAL-PASSED"
    assert signature["level"] == "B-T" and signature["timestamp_time"] is not None

    listing = json.loads(cli("trust", "list", "--json", env=env).stdout)
    assert {(c["purpose"], c["fingerprint"]) for c in listing} == {
        ("signatures", _fingerprint(gov_root)), ("timestamps", _fingerprint(pub_root))}

    removed = cli("trust", "remove", _fingerprint(gov_root)[:12], env=env)
    assert removed.returncode == 0 and "removed from signatures" in removed.stdout
    after = cli("verify", document, env=env)
    assert after.returncode == 2 and "no trust anchors" in after.stderr


def test_trust_errors_are_one_line(cli, tmp_path):
    env = {"EDOCHUB_TRUST_DIR": str(tmp_path / "kho")}
    not_a_cert = tmp_path / "x.pem"
    not_a_cert.write_text("hello")
    for args in (("trust", "add", not_a_cert), ("trust", "add", tmp_path / "missing.pem"),
                 ("trust", "remove", "abcd"), ("trust", "remove", "0123456789abcdef")):
        run = cli(*args, env=env)
        assert run.returncode == 2, (args, run.stdout, run.stderr)
        assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run.stderr
    assert json.loads(cli("trust", "list", "--json", env=env).stdout) == []
