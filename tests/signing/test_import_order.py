"""asn1crypto builds a type's name → OID table the first time the type is used; pyHanko adds its
CAdES attribute names (``commitment_type``, which carries the Decree 30 role) to the table when
its signing modules are imported. A process that read a CMS structure before that import (the
hub checking a token's signature, a verify before a sign) must still sign with a role: each
case runs in a fresh interpreter, since the tables are process-wide."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.pdf_samples import write_simple_pdf

#: touch the CMS attribute table before anything of pyHanko's signing side is imported
_FIRST = "from asn1crypto import cms; cms.CMSAttributeType('content_type')\n"


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _FIRST + code], capture_output=True,
                          text=True, timeout=300)


def test_role_signature_after_an_early_cms_read(pki_services, tmp_path):
    source, target = write_simple_pdf(tmp_path / "in.pdf"), tmp_path / "out.pdf"
    done = _python(
        "from edochub.cli import main\n"
        f"raise SystemExit(main(['sign', {str(source)!r}, '-o', {str(target)!r}, "
        f"'--p12', {str(pki_services.p12('org-h41'))!r}, '--profile', 'attachment', "
        "'--number-notation', '05/QĐ-UBND']))\n")
    assert done.returncode == 0, done.stderr
    checked = _python(
        "from pyhanko.pdf_utils.reader import PdfFileReader\n"
        "from signing.validation.roles import role_of\n"
        f"with open({str(target)!r}, 'rb') as f:\n"
        "    [s] = PdfFileReader(f).embedded_regular_signatures\n"
        "    print(role_of(s.signer_info).value)\n")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == "attachment"


@pytest.mark.parametrize("name", ["commitment_type", "signature_policy_identifier"])
def test_cades_names_known_after_the_role_module(name):
    done = _python("from signing.validation.roles import commitment_type_spec\n"
                   "from signing.validation import SignatureRole\n"
                   "commitment_type_spec(SignatureRole.LEADER)\n"
                   f"print(cms.CMSAttributeType({name!r}).dotted)\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("1.2.840.113549.1.9.16.2.")
