"""The hub's signer reuses its certificate checks (OCSP/CRL) across documents for a bounded
time, and still refuses a revoked certificate (real PAdES on the development PKI)."""

from __future__ import annotations

from datetime import date

import pytest

from documents.domain.ports import LeaderKey
from signing.errors import CertificateNotUsableError
from tests.helpers.register import decree30_draft

LEADER = LeaderKey("leader", "Nguyễn Văn An", "Phó Chủ tịch")


@pytest.fixture()
def certificate_checks(monkeypatch) -> list[str]:
    """Names on the signing certificates checked online before signing (the real check runs;
    a signer that checked already returns at once and is not counted)."""
    from signing.pades.signer import PadesSigner

    made: list[str] = []
    real = PadesSigner.async_check_certificate

    async def counted(self, *args, **kwargs):  # noqa: ANN001, ANN202
        if not self._checked:
            made.append(self.key.certificate.subject.native["common_name"])
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(PadesSigner, "async_check_certificate", counted)
    return made


def _issue_two(signer) -> list[bytes]:  # noqa: ANN001
    issued = []
    for number in (1, 2):
        signed = signer.sign_as_leader(signer.prepare(decree30_draft()), LEADER)
        issued.append(signer.issue(signed, number, "QĐ-UBND", "Hà Nội", date(2026, 1, 5)))
    return issued


def test_two_documents_check_each_certificate_once(real_signing, certificate_checks,
                                                   validators_opened):
    signer = real_signing.signer("org-h41")
    try:
        issued = _issue_two(signer)
    finally:
        signer.close()
    # one check of the leader's and one of the seal's certificate, not one per document
    assert len(certificate_checks) == 2 and "Nguyễn Văn An" in certificate_checks
    # one validator checked both leader signatures before sealing
    assert len(validators_opened) == 1
    [first, second] = _validated(real_signing, issued)
    assert first.bottom_line and second.bottom_line


def test_after_the_reuse_window_certificates_are_checked_again(real_signing, certificate_checks,
                                                               validators_opened):
    signer = real_signing.signer("org-h41", fresh_for=0)
    try:
        _issue_two(signer)
    finally:
        signer.close()
    assert len(certificate_checks) == 4  # leader and seal, for each document
    assert len(validators_opened) == 2


def test_a_revoked_seal_is_refused_every_time(real_signing, certificate_checks):
    signer = real_signing.signer("official-revoked")
    try:
        signed = signer.sign_as_leader(signer.prepare(decree30_draft()), LEADER)
        for number in (1, 2):  # a refusal is not kept as a pass
            with pytest.raises(CertificateNotUsableError, match="revoked"):
                signer.issue(signed, number, "QĐ-UBND", "Hà Nội", date(2026, 1, 5))
    finally:
        signer.close()
    assert certificate_checks.count("Nguyễn Văn An") == 1
    assert len(certificate_checks) == 3


def _validated(real_signing, pdfs: list[bytes]):  # noqa: ANN001, ANN202
    import asyncio

    files = [(f"{index}.pdf", pdf) for index, pdf in enumerate(pdfs)]
    return asyncio.run(real_signing.validator().validate(files))
