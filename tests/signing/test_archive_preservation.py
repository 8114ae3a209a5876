"""Long-term preservation: ``augment`` to B-LT/B-LTA gives the level asked for without breaking
signatures; ``preserve`` renews only files whose latest time-stamp certificate expires within
the margin (a test-only variant of the development PKI adds a TSA whose certificate expires in
30 days); validation at a past moment (``--at``) and the look-ahead (``--until``)."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from signing import devpki
from tests.helpers.net import free_port
from tests.signing import attack_corpus


def _trust(pki) -> list:
    return [arg for root in pki.trust_roots for arg in ("--trust", root)]


def _signatures(cli, pki, *paths, extra=()) -> list[dict]:
    run = cli("verify", *paths, "--json", *_trust(pki), *extra)
    files = json.loads(run.stdout)["files"]
    return [s for f in files for s in f["signatures"]]


# --- augment ---------------------------------------------------------------------------------

def test_augment_to_b_lt_and_b_lta_gives_the_level_asked_for(cli, pki_services, tmp_path):
    document = attack_corpus.sign(pki_services, attack_corpus.base_document(),
                                  with_timestamp=True)
    two_signers = attack_corpus.sign(pki_services, document, label="org-h41",
                                     field="Signature2", with_timestamp=True)
    for name, data in (("lt.pdf", document), ("lta.pdf", document), ("hai.pdf", two_signers)):
        (tmp_path / name).write_bytes(data)
    assert [s["level"] for s in _signatures(cli, pki_services, tmp_path / "lt.pdf")] == ["B-T"]

    run = cli("augment", tmp_path / "lt.pdf", "--to", "B-LT", *_trust(pki_services))
    assert run.returncode == 0, run.stderr
    run = cli("augment", tmp_path / "lta.pdf", tmp_path / "hai.pdf", "--to", "B-LTA",
              "--tsa", pki_services.tsa_url, *_trust(pki_services))
    assert run.returncode == 0, run.stderr

    for name, level, count in (("lt.pdf", "B-LT", 1), ("lta.pdf", "B-LTA", 1),
                               ("hai.pdf", "B-LTA", 2)):
        signatures = _signatures(cli, pki_services, tmp_path / name)
        assert len(signatures) == count
        for signature in signatures:
            assert signature["indication"] == "TOTAL-PASSED", (name, signature)
            assert signature["level"] == level, (name, signature)
            assert signature["modification_level"] in ("LTA_UPDATES", "FORM_FILLING")
        assert signatures[-1]["modification_level"] == "LTA_UPDATES"


def test_augment_refuses_what_it_cannot_extend_and_leaves_the_file_alone(cli, pki_services,
                                                                        tmp_path):
    bb = tmp_path / "bb.pdf"
    bb.write_bytes(attack_corpus.sign(pki_services, attack_corpus.base_document()))
    before = bb.read_bytes()
    run = cli("augment", bb, "--to", "B-LT", *_trust(pki_services))
    assert run.returncode == 2
    assert "B-B (no time-stamp)" in run.stderr and "--tsa" in run.stderr
    assert run.stderr.count("\n") == 1
    assert bb.read_bytes() == before
    unsigned = tmp_path / "chua-ky.pdf"
    unsigned.write_bytes(attack_corpus.base_document())
    run = cli("augment", unsigned, "--to", "B-LT", *_trust(pki_services))
    assert run.returncode == 2 and "no signature to extend" in run.stderr


def _offline_later(cli, pki, path: Path) -> list[dict]:
    """Verdicts some minutes on, from the data the file holds (no network). Not much later: the
    newest time-stamp's validation data (the dev OCSP answers are fresh for minutes) must still
    be fresh; after that `preserve` renews the time-stamp."""
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    return _signatures(cli, pki, path, extra=("--revocation", "offline", "--at", later))


@pytest.mark.parametrize("level", ["B-LT", "B-LTA"])
def test_augment_a_b_b_signature_through_a_document_timestamp(cli, pki_services, tmp_path,
                                                              level):
    """ETSI EN 319 142-1: a document time-stamp is the B-B signature's proof of existence,
    validation data in the DSS after it makes B-LT, a document time-stamp over that B-LTA."""
    bb = tmp_path / "bb.pdf"
    bb.write_bytes(attack_corpus.sign(pki_services, attack_corpus.base_document()))
    assert [s["level"] for s in _signatures(cli, pki_services, bb)] == ["B-B"]
    [bb_offline] = _offline_later(cli, pki_services, bb)
    assert bb_offline["indication"] != "TOTAL-PASSED"  # nothing in the file to rest on

    run = cli("augment", bb, "--to", level, "--tsa", pki_services.tsa_url,
              *_trust(pki_services))
    assert run.returncode == 0, run.stderr

    for signature in (*_signatures(cli, pki_services, bb), *_offline_later(cli, pki_services, bb)):
        assert (signature["indication"], signature["level"]) == ("TOTAL-PASSED", level), signature
        assert signature["timestamp_time"], signature  # the document time-stamp's proof
        assert signature["modification_level"] == "LTA_UPDATES"


def test_augment_a_decree30_leader_b_b_signature_under_a_seal(cli, pki_services, tmp_path):
    """The leader signs B-B, the organization seals at B-T: the later signature time-stamp is
    no proof for the leader; augment gives both signatures B-LTA."""
    leader = attack_corpus.sign(pki_services, attack_corpus.base_document())
    sealed = tmp_path / "ban-hanh.pdf"
    sealed.write_bytes(attack_corpus.sign(pki_services, leader, label="org-h41",
                                          field="Signature2", with_timestamp=True))
    assert [s["level"] for s in _signatures(cli, pki_services, sealed)] == ["B-B", "B-T"]

    run = cli("augment", sealed, "--to", "B-LTA", "--tsa", pki_services.tsa_url,
              *_trust(pki_services))
    assert run.returncode == 0, run.stderr

    for signatures in (_signatures(cli, pki_services, sealed),
                       _offline_later(cli, pki_services, sealed)):
        assert [(s["indication"], s["level"]) for s in signatures] == \
            [("TOTAL-PASSED", "B-LTA")] * 2, signatures


# --- validation at a past moment and look-ahead --------------------------------------------

def test_validation_at_a_past_moment_uses_only_the_data_in_the_file(cli, pki_services,
                                                                    tmp_path):
    path = tmp_path / "lt.pdf"
    path.write_bytes(attack_corpus.sign(pki_services, attack_corpus.base_document(),
                                        with_timestamp=True))
    assert cli("augment", path, "--to", "B-LT", *_trust(pki_services)).returncode == 0
    just_after = datetime.now(UTC).isoformat()
    (signature,) = _signatures(cli, pki_services, path,
                               extra=("--at", just_after, "--revocation", "offline"))
    assert signature["indication"] == "TOTAL-PASSED", signature
    # 2023: the signer's certificate (valid from 2024) did not exist yet
    (signature,) = _signatures(cli, pki_services, path,
                               extra=("--at", "2023-06-01T00:00:00+07:00", "--revocation",
                                      "offline"))
    assert signature["indication"] != "TOTAL-PASSED"


def test_look_ahead_says_until_when_the_file_carries_itself(cli, pki_services, tmp_path):
    lta = tmp_path / "lta.pdf"
    lta.write_bytes(attack_corpus.sign(pki_services, attack_corpus.base_document(),
                                       with_timestamp=True))
    assert cli("augment", lta, "--to", "B-LTA", "--tsa", pki_services.tsa_url,
               *_trust(pki_services)).returncode == 0
    bb = tmp_path / "bb.pdf"
    bb.write_bytes(attack_corpus.sign(pki_services, attack_corpus.base_document()))

    def outlook(path: Path, until: str) -> tuple[int, dict]:
        run = cli("verify", path, "--json", "--until", until, *_trust(pki_services))
        return run.returncode, json.loads(run.stdout)["files"][0]["outlook"]

    code, answer = outlook(lta, "2035-01-01T00:00:00+07:00")
    assert code == 0 and answer["will_validate"], answer
    assert answer["holds_until"].startswith("2040-01-01")  # pub-tsa's certificate
    code, answer = outlook(lta, "2041-01-01T00:00:00+07:00")
    assert code == 3 and not answer["will_validate"]
    assert "2040-01-01" in answer["reason"]
    code, answer = outlook(bb, "2027-01-01T00:00:00+07:00")
    assert code == 3 and not answer["will_validate"]
    assert "no validation data" in answer["reason"]


# --- preserve, with a TSA whose certificate expires soon -----------------------------------

@pytest.fixture(scope="module")
def short_tsa_pki(dev_pki, tmp_path_factory) -> Iterator[devpki.DevPki]:
    """The development PKI re-issued (test-only certomancer config, same keys) with one more
    time-stamping service, ``pub-tsa-short``, whose certificate expires 30 days from now;
    served on its own loopback port."""
    from asn1crypto import pem
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig
    from werkzeug.serving import make_server

    directory = tmp_path_factory.mktemp("short-tsa-pki")
    shutil.copytree(dev_pki.directory / "keys", directory / "keys")
    config = yaml.safe_load(devpki.CONFIG_PATH.read_text(encoding="utf-8"))
    architecture = config["pki-architectures"][devpki.ARCH]
    now = datetime.now(UTC)
    architecture["certs"]["pub-tsa-short"] = {
        "template": "pub-tsa", "subject": "pub-tsa",
        "validity": {"valid-from": f"{now - timedelta(days=365):%Y-%m-%dT%H:%M:%S}+0000",
                     "valid-to": f"{now + timedelta(days=30):%Y-%m-%dT%H:%M:%S}+0000"},
    }
    architecture["services"]["time-stamping"]["pub-tsa-short"] = {
        "signing-key": "pub-tsa", "signing-cert": "pub-tsa-short"}
    config_path = directory / "certomancer.yml"
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    port = free_port()
    arch = CertomancerConfig.from_file(
        str(config_path), key_search_dir=str(directory),
        external_url_prefix=f"http://127.0.0.1:{port}",
    ).get_pki_arch(ArchLabel(devpki.ARCH))
    pki = devpki.DevPki(directory=directory, url_prefix=f"http://127.0.0.1:{port}")
    (directory / "certs").mkdir()
    (directory / "p12").mkdir()
    for label in devpki.ROOTS:
        pki.cert(label).write_bytes(pem.armor("CERTIFICATE", arch.get_cert(label).dump()))
    pki.p12("leader-an").write_bytes(arch.package_pkcs12(CertLabel("leader-an")))
    server = make_server("127.0.0.1", port,
                         Animator(AnimatorArchStore({arch.arch_label: arch}), with_web_ui=False),
                         threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield pki
    server.shutdown()
    thread.join()


def test_preserve_renews_only_what_is_due(cli, short_tsa_pki, tmp_path):
    pki = short_tsa_pki
    short_tsa = f"{pki.url_prefix}/{devpki.ARCH}/tsa/pub-tsa-short"
    archive = tmp_path / "kho"
    archive.mkdir()
    signed = attack_corpus.sign(pki, attack_corpus.base_document(), with_timestamp=True)
    for name in ("sap-het-han.pdf", "con-lau.pdf"):
        (archive / name).write_bytes(signed)
    assert cli("augment", archive / "sap-het-han.pdf", "--to", "B-LTA", "--tsa", short_tsa,
               *_trust(pki)).returncode == 0
    assert cli("augment", archive / "con-lau.pdf", "--to", "B-LTA", "--tsa", pki.tsa_url,
               *_trust(pki)).returncode == 0
    untouched = (archive / "con-lau.pdf").read_bytes()
    due_before = (archive / "sap-het-han.pdf").read_bytes()

    dry = cli("preserve", archive, "--margin-days", "60", "--tsa", pki.tsa_url, "--dry-run",
              *_trust(pki))
    assert dry.returncode == 0, dry.stderr
    assert "sap-het-han.pdf" in dry.stdout and "con-lau.pdf" not in dry.stdout
    assert (archive / "sap-het-han.pdf").read_bytes() == due_before

    run = cli("preserve", archive, "--margin-days", "60", "--tsa", pki.tsa_url, *_trust(pki))
    assert run.returncode == 0, run.stderr
    renewed = [line for line in run.stdout.splitlines() if line.startswith("renewed:")]
    assert len(renewed) == 1 and "sap-het-han.pdf" in renewed[0], run.stdout
    assert (archive / "con-lau.pdf").read_bytes() == untouched
    renewed_bytes = (archive / "sap-het-han.pdf").read_bytes()
    assert renewed_bytes.startswith(due_before)  # a new revision appended, nothing rewritten

    for signature in _signatures(cli, pki, archive):
        assert signature["indication"] == "TOTAL-PASSED" and signature["level"] == "B-LTA"
    again = cli("preserve", archive, "--margin-days", "60", "--tsa", pki.tsa_url, *_trust(pki))
    assert again.returncode == 0 and "renewed:" not in again.stdout
    assert (archive / "sap-het-han.pdf").read_bytes() == renewed_bytes
