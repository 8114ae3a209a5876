"""Assemble a running hub from configuration: database (migrated), file store, codec, axis
link, signer and validator. ``edochub serve`` and the demo both build hubs here.

Environment (besides ``HubSettings.from_env``):
``EDOCHUB_AXIS_URL`` + secret ``EDOCHUB_AXIS_SECRET`` (national HTTP protocol to the axis);
``EDOCHUB_ORG_KEY`` (PKCS#12 of the organization seal) and ``EDOCHUB_SEAL_PNG`` (its image),
``EDOCHUB_LEADER_KEYS`` and ``EDOCHUB_LEADER_SIGNATURES`` (JSON: user name → PKCS#12 / PNG),
``EDOCHUB_KEY_PASSWORD_ENV`` (variable holding the PKCS#12 password, if any);
``EDOCHUB_TRUST`` (trust anchor files, ``:``-separated: for PDF signatures and signed
envelopes), ``EDOCHUB_TSA_URL``, and
``EDOCHUB_PADES_LEVEL`` (default B-T when a TSA is set, else B-B).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select

from documents.adapters import (
    AxisClientLink,
    EdxmlCodec,
    KeyFiles,
    PadesDocumentSigner,
    PadesDocumentValidator,
    User,
    db,
    open_store,
)
from documents.domain import ConfigurationError
from documents.services import Hub, HubSettings, secret, users


def signer_for(keys: KeyFiles, trust: list[Path], tsa_url: str | None,
               level: str | None = None) -> PadesDocumentSigner:
    from signing.pades import SignatureOptions
    from signing.validation import PadesLevel, ValidationSettings, load_certificates

    if not trust:
        raise ConfigurationError("no trust anchors: set EDOCHUB_TRUST to the root certificates")
    chosen = PadesLevel(level) if level else (PadesLevel.B_T if tsa_url else PadesLevel.B_B)
    options = SignatureOptions(level=chosen, tsa_url=tsa_url,
                               trust_roots=load_certificates(trust))
    return PadesDocumentSigner(keys, options, ValidationSettings.from_paths(trust))


def validator_for(trust: list[Path]) -> PadesDocumentValidator:
    from signing.validation import ValidationSettings

    if not trust:
        raise ConfigurationError("no trust anchors: set EDOCHUB_TRUST to the root certificates")
    return PadesDocumentValidator(ValidationSettings.from_paths(trust))


def vxp_link(axis_url: str, organ_id: str, axis_secret: str, workdir: Path) -> AxisClientLink:
    from axis.transports import AxisClient, Retrying, VxpTransport

    return AxisClientLink(AxisClient(Retrying(VxpTransport(axis_url, organ_id, axis_secret),
                                              attempts=2)), workdir)


def codec_for(trust: Sequence[Path]) -> EdxmlCodec:
    """The edXML codec checking signed envelopes against the hub's trust anchors."""
    from axis import edxml
    from axis.errors import EnvelopeSignatureError

    if not trust:
        return EdxmlCodec()
    try:
        return EdxmlCodec(edxml.EnvelopeTrust.from_paths(trust))
    except EnvelopeSignatureError as exc:
        raise ConfigurationError(f"EDOCHUB_TRUST: {exc}") from None


def build_hub(settings: HubSettings, signer=None, validator=None, axis=None,  # noqa: ANN001
              trust: Sequence[Path] = ()) -> Hub:
    engine = db.make_engine(settings.database_url)
    db.migrate(engine)
    return Hub(settings, db.session_factory(engine), open_store(settings.file_store),
               codec_for(trust), signer, validator, axis)


def hub_from_env(environ: dict[str, str] | None = None) -> Hub:
    env = os.environ if environ is None else environ
    settings = HubSettings.from_env(env)
    trust = [Path(p) for p in env.get("EDOCHUB_TRUST", "").split(":") if p]
    signer = None
    if env.get("EDOCHUB_ORG_KEY"):
        keys = KeyFiles(
            Path(env["EDOCHUB_ORG_KEY"]),
            {k: Path(v) for k, v in json.loads(env.get("EDOCHUB_LEADER_KEYS", "{}")).items()},
            Path(env["EDOCHUB_SEAL_PNG"]).read_bytes(),
            {k: Path(v).read_bytes() for k, v in
             json.loads(env.get("EDOCHUB_LEADER_SIGNATURES", "{}")).items()},
            env.get("EDOCHUB_KEY_PASSWORD_ENV"))
        signer = signer_for(keys, trust, env.get("EDOCHUB_TSA_URL"),
                            env.get("EDOCHUB_PADES_LEVEL"))
    axis = None
    if env.get("EDOCHUB_AXIS_URL"):
        axis = vxp_link(env["EDOCHUB_AXIS_URL"], settings.organ_id, secret("AXIS_SECRET", env),
                        Path(settings.file_store).parent / "axis-work")
    return build_hub(settings, signer, validator_for(trust) if trust else None, axis, trust)


def ensure_admin(hub: Hub, password: str, username: str = "admin") -> None:
    """Create the first administrator when the hub has no user yet."""
    with db.transaction(hub.sessions) as session:
        if session.scalars(select(User).limit(1)).first() is None:
            users.create_user(session, "setup", username, "Quản trị hệ thống", "admin",
                              password)
