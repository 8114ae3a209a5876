"""``edochub check``: does this hub's configuration actually work? One item per line, each
passed (✓) or not (✗, with what to do).

Items: the agency's code and the token signing key; the database reachable and migrated; the
storage writable; each key loads (PKCS#12 password, PKCS#11 token present); each key's
certificate valid now, chaining to a configured anchor and not revoked; the seal naming the
agency's code (organizationIdentifier); the time-stamping service answering; the clock within a
minute of its time; the axis accepting the agency's credentials (``getAgenciesList``); each
leader's remote-signing account (ký số từ xa) answering with its certificate (no PIN is
asked: that is the leader's own, at signing).

The storage item stores a small probe file (content-addressed: once, whatever the runs).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from decree30 import vietnam_time
from documents.domain import ConfigurationError
from edochub import bootstrap
from edochub.config import Config

#: how far the hub's clock may be from the time-stamping service's
CLOCK_TOLERANCE_SECONDS = 60
PROBE = b"edochub check: storage probe\n"


@dataclass(frozen=True)
class Item:
    name: str
    ok: bool
    #: what was found (passed) or what is wrong and what to do (failed)
    detail: str

    def line(self) -> str:
        return f"{'✓' if self.ok else '✗'} {self.name}: {self.detail}"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Key:
    """A key that loaded: what it signs as, and the certificates found with it."""

    name: str
    certificate: Any  # asn1crypto x509.Certificate
    chain: tuple[Any, ...]
    is_seal: bool


def run(config: Config) -> list[Item]:
    items = [*_agency(config), _database(config), _storage(config)]
    keys: list[_Key] = []
    items.extend(_keys(config, keys))
    items.extend(_certificates(config, keys))
    items.extend(_tsa_and_clock(config))
    items.extend(_axis(config))
    items.extend(_remote_signing(config))
    return items


def _failure(name: str, exc: Exception) -> Item:
    return Item(name, False, str(exc))


def _agency(config: Config) -> Iterator[Item]:
    try:
        yield Item("agency", True, f"{config.organ_id} {config['agency.name']}".strip())
    except ConfigurationError as exc:
        yield _failure("agency", exc)
    for secret, what in (("token_key", "token signing key"), ("audit_key", "audit log key")):
        try:
            config.secrets[secret].resolve()
            yield Item(what, True, "set")
        except ConfigurationError as exc:
            yield _failure(what, exc)


def _database(config: Config) -> Item:
    from documents.adapters import db

    try:
        engine = bootstrap.open_engine(config, migrate=False)
    except ConfigurationError as exc:
        return _failure("database", exc)
    try:
        current, head = db.schema_revisions(engine)
    finally:
        engine.dispose()
    shown = bootstrap.shown_url(config.database_url)
    if current != head:
        state = "empty" if current is None else f"at revision {current}, code at {head}"
        where = f" --config {config.path}" if config.path else ""
        return Item("database", False, f"{shown} is not migrated ({state}): run "
                                       f"`edochub db upgrade{where}`")
    return Item("database", True, f"{shown} reachable, schema current ({head})")


def _storage(config: Config) -> Item:
    from documents.adapters import open_store

    try:
        if not config["storage.file_store"]:
            bootstrap.require_data_dir(config)
        store = open_store(config.file_store, config["storage.s3_endpoint_url"] or None)
        digest = store.put(PROBE)
        if store.get(digest) != PROBE:
            return Item("storage", False, f"{config.file_store} gives back other bytes than "
                                          "it was given: check the disk or the bucket")
    except ConfigurationError as exc:
        return _failure("storage", exc)
    except Exception as exc:  # noqa: BLE001 - OS and S3 client errors alike become one line
        return Item("storage", False, f"cannot write to {config.file_store} "
                                      f"({config.where('storage.file_store')}): {exc}")
    return Item("storage", True, f"{config.file_store} writable")


def _keys(config: Config, loaded: list[_Key]) -> Iterator[Item]:
    from signing.errors import SigningError
    from signing.pades import Pkcs11Source, Pkcs12Source, open_key, read_certificates

    password_env = config["keys.password_env"] or None
    sources: list[tuple[str, Any, bool]] = []
    if config["keys.organization"] is not None:
        sources.append(("seal key", Pkcs12Source(config["keys.organization"], password_env),
                        True))
    for user, path in config["keys.leaders"].items():
        sources.append((f"leader key {user}", Pkcs12Source(path, password_env), False))
    if config["sign_agent.pkcs11_module"] is not None:
        sources.append(("sign-agent token", Pkcs11Source(
            str(config["sign_agent.pkcs11_module"]), config["sign_agent.pkcs11_token"],
            config["sign_agent.pkcs11_key"], config["sign_agent.pin_env"]), False))
    if not sources:
        yield Item("keys", False, "no key configured: set [keys] organization (the seal's "
                                  "PKCS#12) in the configuration or EDOCHUB_ORG_KEY")
    for name, source, is_seal in sources:
        try:
            if isinstance(source, Pkcs11Source):  # the sign-agent's PIN is typed when signing
                certificate, chain = read_certificates(source)
            else:
                with open_key(source) as key:
                    certificate, chain = key.certificate, key.chain
            loaded.append(_Key(name, certificate, chain, is_seal))
            yield Item(name, True, f"{source.describe()} loads "
                                   f"({certificate.subject.human_friendly})")
        except SigningError as exc:
            yield Item(name, False, f"{exc}: check the file and its password "
                                    f"({config.where('keys.password_env')})"
                       if isinstance(source, Pkcs12Source)
                       else f"{exc}: plug in the token and check its labels")
    yield from _images(config)


def _images(config: Config) -> Iterator[Item]:
    named = []
    if config["keys.organization"] is not None:
        named.append(("seal image", "keys.seal_image", config["keys.seal_image"]))
    named.extend((f"signature image {user}", "keys.leader_signatures", path)
                 for user, path in config["keys.leader_signatures"].items())
    for name, setting, path in named:
        if path is None:
            yield Item(name, False, f"not set: {config.where(setting)}")
            continue
        try:
            data = bootstrap.read_setting_file(config, setting, path)
        except ConfigurationError as exc:
            yield _failure(name, exc)
            continue
        if not data.startswith(b"\x89PNG\r\n\x1a\n"):
            yield Item(name, False, f"{path} is not a PNG image: give the PNG")
        else:
            yield Item(name, True, f"{path}")


def _certificates(config: Config, keys: list[_Key]) -> Iterator[Item]:
    if not keys:
        return
    anchors = list(config["trust.anchors"])
    if not anchors:
        yield Item("trust anchors", False, "none configured: set [trust] anchors (root "
                                           "certificates) in the configuration or EDOCHUB_TRUST")
        return
    try:
        from signing.validation import load_certificates

        roots = load_certificates(anchors)
    except Exception as exc:  # noqa: BLE001 - unreadable or not certificates: one line
        yield Item("trust anchors", False, f"{exc}: correct [trust] anchors / EDOCHUB_TRUST")
        return
    yield Item("trust anchors", True, f"{len(roots)} root certificate(s)")
    for key in keys:
        yield _certificate_item(key, roots)
        if key.is_seal:
            yield _seal_identity(config, key)


def _certificate_item(key: _Key, roots: Sequence[Any]) -> Item:
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator import errors as cv

    name = f"{key.name} certificate"
    certificate = key.certificate
    subject = certificate.subject.human_friendly
    now = datetime.now(UTC)
    validity = certificate["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    if now > not_after:
        return Item(name, False, f"{subject} expired on {vietnam_time.human(not_after)}: "
                                 "obtain a new certificate and configure its key")
    if now < not_before:
        return Item(name, False, f"{subject} is valid only from "
                                 f"{vietnam_time.human(not_before)}: check the clock or wait")
    context = ValidationContext(trust_roots=list(roots), other_certs=list(key.chain),
                                allow_fetching=True, revocation_mode="hard-fail")
    validator = CertificateValidator(certificate, intermediate_certs=list(key.chain),
                                     validation_context=context)
    try:
        asyncio.run(validator.async_validate_usage(set()))
    except cv.RevokedError:
        return Item(name, False, f"{subject} is REVOKED: stop using this key; obtain a new "
                                 "certificate")
    except cv.PathBuildingError:
        return Item(name, False, f"{subject} does not chain to a configured trust anchor: add "
                                 "its root to [trust] anchors, or use a key the anchors trust")
    except cv.InsufficientRevinfoError as exc:
        return Item(name, False, f"{subject}: revocation status unknown ({exc}): check that "
                                 "the OCSP/CRL service in the certificate can be reached")
    except (cv.PathValidationError, cv.ValidationError) as exc:
        return Item(name, False, f"{subject}: {exc}")
    return Item(name, True, f"{subject}, valid until {vietnam_time.human(not_after)}, chains "
                            "to a trust anchor, not revoked")


def _seal_identity(config: Config, key: _Key) -> Item:
    try:
        expected = config.settings().expected_seal_identifier(config.organ_id)
    except ConfigurationError as exc:
        return _failure("seal identity", exc)
    found = key.certificate.subject.native.get("organization_identifier")
    if found != expected:
        return Item("seal identity", False,
                    f"the seal certificate names {found or 'no agency code'}, not {expected}: "
                    f"configure this agency's own seal key ({config.where('keys.organization')})")
    return Item("seal identity", True, f"the seal certificate names {expected}")


def _tsa_and_clock(config: Config) -> Iterator[Item]:
    url = config["tsa.url"]
    if not url:
        return
    from pyhanko.sign.timestamps import HTTPTimeStamper

    digest = hashlib.sha256(b"edochub check").digest()
    try:
        token = asyncio.run(HTTPTimeStamper(url, timeout=10).async_timestamp(digest, "sha256"))
        info = token["content"]["encap_content_info"]["content"].parsed
        tsa_time: datetime = info["gen_time"].native
    except Exception as exc:  # noqa: BLE001 - network and protocol errors alike: one line
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        yield Item("time-stamping", False, f"{url} gave no time-stamp ({reason}): check "
                                           f"{config.where('tsa.url')} and that the TSA runs")
        return
    yield Item("time-stamping", True, f"{url} answers ({vietnam_time.human(tsa_time)})")
    offset = (datetime.now(UTC) - tsa_time).total_seconds()
    if abs(offset) > CLOCK_TOLERANCE_SECONDS:
        yield Item("clock", False, f"{abs(offset):.0f} s {'ahead of' if offset > 0 else 'behind'}"
                                   " the time-stamping service: synchronise it (NTP)")
    else:
        yield Item("clock", True, f"within {CLOCK_TOLERANCE_SECONDS} s of the TSA's time")


def _axis(config: Config) -> Iterator[Item]:
    url = config["axis.url"]
    if not url:
        return
    from axis.errors import AxisError
    from axis.transports import AxisClient, VxpTransport

    try:
        secret = config.secrets["axis_secret"].resolve()
        client = AxisClient(VxpTransport(url, config.organ_id, secret))
    except ConfigurationError as exc:
        yield _failure("axis", exc)
        return
    try:
        agencies = client.agencies()
    except AxisError as exc:
        yield Item("axis", False, f"{url} refused {config.organ_id} ({exc}): check the axis "
                                  "secret ([secrets] axis_secret_env/_file or "
                                  "EDOCHUB_AXIS_SECRET) and that the axis registered the agency")
        return
    finally:
        client.close()
    yield Item("axis", True, f"{url} accepts {config.organ_id} ({len(agencies)} agencies)")


def _remote_signing(config: Config) -> Iterator[Item]:
    """Each remote-signing account's service reachable and knowing the credential: its
    certificate is fetched (``credentials/info``), nothing is authorised or signed."""
    from signing.errors import SigningError
    from signing.pades import Authorisation, async_open_key

    try:
        accounts = bootstrap.remote_accounts(config["keys.leader_remote"])
    except ConfigurationError as exc:
        yield _failure("remote signing", exc)
        return

    async def certificate_of(source: Any) -> str:
        async with async_open_key(source, Authorisation()) as key:
            return str(key.subject)

    for username, source in accounts.items():
        name = f"remote signing {username}"
        try:
            subject = asyncio.run(certificate_of(source))
        except SigningError as exc:
            yield Item(name, False, f"{exc}: check {config.where('keys.leader_remote')}")
            continue
        yield Item(name, True, f"{source.describe()} answers ({subject})")


def exit_code(items: Iterable[Item]) -> int:
    return 0 if all(item.ok for item in items) else 1
