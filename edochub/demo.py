"""``edochub demo``: the product's main job on embedded defaults, end to end on the
development PKI (never for real documents).

For now: build the development PKI if ``certs-dev/build`` holds none, serve its OCSP/CRL/TSA in a
background thread, seal a sample PDF at PAdES B-LTA with the organization key ``org-h41``, then
validate it with only the PKI's roots trusted and print a short summary.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser(
        "demo", help="walk through signing and verifying on the development PKI")
    demo.add_argument("--dir", type=Path, default=Path("demo-output"),
                      help="where to write the demo files (default ./demo-output)")
    demo.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    from edochub.samples import simple_pdf
    from signing import devpki
    from signing.keys import Pkcs12Source, open_key
    from signing.pades import PadesSigner, SignatureOptions
    from signing.results import PadesLevel, combined_exit_code
    from signing.validation import ValidationSettings, load_certificates, validate_paths

    for name in ("werkzeug", "pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        pki = devpki.DevPki.load(devpki.DEFAULT_BUILD_DIR)
        print(f"1. development PKI (DEV-ONLY) found in {pki.directory}")
    except devpki.DevPkiError:
        pki = devpki.build()
        print(f"1. development PKI (DEV-ONLY) built in {pki.directory}")

    args.dir.mkdir(parents=True, exist_ok=True)
    draft = args.dir / "cong-van-mau.pdf"
    draft.write_bytes(simple_pdf("Cong van mau - UBND tinh Mau (DEV-ONLY sample)"))
    sealed = args.dir / "cong-van-mau.signed.pdf"
    print(f"2. sample document written to {draft}")

    with devpki.serving(pki) as url:
        print(f"3. OCSP, CRL and time-stamp services running at {url}")
        options = SignatureOptions(level=PadesLevel.B_LTA, tsa_url=pki.tsa_url,
                                   trust_roots=load_certificates(pki.trust_roots))
        with open_key(Pkcs12Source(pki.p12("org-h41"))) as key:
            PadesSigner(key, options).sign_file(draft, sealed)
            print(f"4. sealed at PAdES B-LTA by {key.certificate.subject.native['common_name']}"
                  f" -> {sealed}")
        settings = ValidationSettings.from_paths(pki.trust_roots)
        results = validate_paths([sealed], settings)

    print("5. validation (trusting only the development roots):")
    for result in results:
        for sig in result.signatures:
            signer = sig.signer
            print(f"   {sig.field}: {sig.indication.value}"
                  + (f"/{sig.sub_indication.value}" if sig.sub_indication else ""))
            if signer is not None:
                print(f"   signer: {signer.common_name} ({signer.organization_identifier})")
            print(f"   level: {sig.level.value if sig.level else '-'}; time-stamp: "
                  f"{sig.timestamp_time.isoformat() if sig.timestamp_time else '-'}; "
                  f"changes after signing: "
                  f"{sig.modification_level.value if sig.modification_level else '-'}")
    code = combined_exit_code(results)
    print("demo finished: the signature is valid" if code == 0
          else f"demo finished with validation exit code {code}")
    return code
