"""Assemble a running hub from its configuration (:mod:`edochub.config`): database (migrated),
file store, codec, axis link, signer and validator. The only place that turns configuration
into adapters: ``edochub serve``, ``init``, ``check``, the register's commands and the demo
all build here.

A setting that cannot work (a data folder missing or not writable, a database URL that does not
open, a secret not given) becomes one :class:`ConfigurationError` naming the setting and the fix.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from documents.adapters import (
    AxisClientLink,
    BlobStore,
    EdxmlCodec,
    KeyFiles,
    PadesDocumentSigner,
    PooledValidator,
    SealingPool,
    User,
    db,
    open_store,
)
from documents.domain import (
    ConfigurationError,
    DocumentSigner,
    DocumentValidator,
    StorageUnavailable,
)
from documents.services import Hub, HubSettings, users
from edochub.config import Config

if TYPE_CHECKING:
    from signing.pades import CscSource, PolledSource

NO_TRUST = ("no trust anchors: set [trust] anchors in edochub.toml or EDOCHUB_TRUST to the "
            "root certificates")


def signer_for(keys: KeyFiles, trust: Sequence[Path], tsa_url: str | None,
               level: str | None = None) -> PadesDocumentSigner:
    from signing.pades import SignatureOptions
    from signing.validation import PadesLevel, ValidationSettings, load_certificates

    if not trust:
        raise ConfigurationError(NO_TRUST)
    try:
        chosen = PadesLevel(level) if level else (PadesLevel.B_T if tsa_url else PadesLevel.B_B)
    except ValueError:
        raise ConfigurationError(f"PAdES level {level!r} is not one of B-B, B-T, B-LT, B-LTA: "
                                 "correct [tsa] pades_level or EDOCHUB_PADES_LEVEL") from None
    options = SignatureOptions(level=chosen, tsa_url=tsa_url,
                               trust_roots=load_certificates(list(trust)))
    return PadesDocumentSigner(keys, options, ValidationSettings.from_paths(list(trust)))


def sealer_for(signer: PadesDocumentSigner, keys: KeyFiles, trust: Sequence[Path],
               tsa_url: str | None, level: str | None = None,
               workers: int | None = None) -> SealingPool:
    """Attachments sealed in a worker process whose signer is built as ``signer`` was (the
    organization's key, the TSA, the trust; the leaders' remote accounts stay here); with
    ``workers=0`` (or one core) by ``signer`` itself."""
    return SealingPool(signer, partial(signer_for, replace(keys, remote={}), list(trust),
                                       tsa_url, level), workers)


def remote_accounts(raw: str | Mapping[str, Any]) -> dict[str, CscSource | PolledSource]:
    """``[keys] leader_remote`` or ``EDOCHUB_LEADER_REMOTE`` (JSON): user name →
    ``{"csc_url": URL, "credential": ID}``
    (a CSC API v1 service; the leader authorises with a PIN or one-time code on the page) or
    ``{"phone_url": URL, "credential": ID, "time_limit": SECONDS}`` (a service that has the
    leader confirm on their phone; ``time_limit`` default 120). No secret goes here."""
    from signing.pades import CscSource, PolledSource

    try:
        entries = json.loads(raw or "{}") if isinstance(raw, str) else raw
    except ValueError as exc:
        raise ConfigurationError(f"EDOCHUB_LEADER_REMOTE is not JSON: {exc}") from None
    if not isinstance(entries, dict):
        raise ConfigurationError("[keys] leader_remote (EDOCHUB_LEADER_REMOTE) must map user "
                                 "names to accounts")
    accounts: dict[str, CscSource | PolledSource] = {}
    for username, entry in entries.items():
        if not isinstance(entry, dict) or not entry.get("credential") or \
                bool(entry.get("csc_url")) == bool(entry.get("phone_url")):
            raise ConfigurationError(
                f"[keys] leader_remote (EDOCHUB_LEADER_REMOTE), {username!r}: give "
                "\"credential\" and one of \"csc_url\" or \"phone_url\"")
        if entry.get("csc_url"):
            accounts[username] = CscSource(str(entry["csc_url"]), str(entry["credential"]))
            continue
        try:
            limit = float(entry.get("time_limit", 120))
        except (TypeError, ValueError):
            raise ConfigurationError(f"[keys] leader_remote (EDOCHUB_LEADER_REMOTE), "
                                     f"{username!r}: time_limit is "
                                     "not a number of seconds") from None
        accounts[username] = PolledSource(str(entry["phone_url"]), str(entry["credential"]),
                                          time_limit=limit)
    return accounts


def validator_for(trust: Sequence[Path]) -> PooledValidator:
    """The validator of received documents: large batches also use the machine's other
    cores (``documents.adapters.validation_pool``)."""
    from signing.validation import ValidationSettings

    if not trust:
        raise ConfigurationError(NO_TRUST)
    return PooledValidator(ValidationSettings.from_paths(list(trust)))


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
        raise ConfigurationError(f"[trust] anchors / EDOCHUB_TRUST: {exc}") from None


def build_hub(settings: HubSettings, signer: DocumentSigner | None = None,
              validator: DocumentValidator | None = None, axis: AxisClientLink | None = None,
              trust: Sequence[Path] = (), store: BlobStore | None = None,
              engine: Engine | None = None, sealer: SealingPool | None = None) -> Hub:
    """A hub on ``engine`` (else one made and migrated here from the settings' URL)."""
    if engine is None:
        engine = db.make_engine(settings.database_url)
        db.migrate(engine)
    return Hub(settings, db.session_factory(engine), store or open_store(settings.file_store),
               codec_for(trust), signer, validator, axis, sealer=sealer)


def require_data_dir(config: Config) -> Path:
    """The data folder, existing and writable, or one line saying how to get there."""
    folder = config.data_dir
    where = config.where("storage.data_dir")
    if not folder.exists():
        raise ConfigurationError(f"data folder {folder} does not exist ({where}): set up a hub "
                                 f"with `edochub init DIR`, or create it: mkdir -m 700 {folder}")
    if not folder.is_dir():
        raise ConfigurationError(f"data folder {folder} is not a folder ({where}): name a "
                                 "folder")
    try:
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        raise ConfigurationError(f"data folder {folder} is not writable by this user ({where}): "
                                 "give the hub's user write access, or name another folder"
                                 ) from None
    return folder


def shown_url(url: str) -> str:
    """The database URL without its password (or nothing, when it does not even parse)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(db.normalize_url(url)).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL may hold a password: never show it
        return "(unparsable)"


def open_engine(config: Config, migrate: bool = True) -> Engine:
    """The hub's database, migrated to the current schema unless ``migrate`` is false."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    if not config["storage.database_url"]:
        require_data_dir(config)
    url, where = config.database_url, config.where("storage.database_url")
    try:
        engine = db.make_engine(url)
    except (ArgumentError, NoSuchModuleError, ValueError, ImportError):
        raise ConfigurationError(
            f"database URL {shown_url(url)} is not valid ({where}): give e.g. "
            "postgresql://user@host/db or sqlite:////var/lib/edochub/edochub.db") from None
    try:
        if migrate:
            db.migrate(engine)
        else:
            engine.connect().close()
    except (DBAPIError, StorageUnavailable) as exc:
        engine.dispose()
        # the driver's own words: this line is the operator's, not an API client's
        cause = exc.orig if isinstance(exc, DBAPIError) else exc.__cause__
        reason = (str(cause).strip().splitlines() or [""])[0] if cause else str(exc)
        raise ConfigurationError(f"cannot open the database {shown_url(url)} ({where}): "
                                 f"{reason}: check the URL and that the database server runs"
                                 ) from None
    return engine


def read_setting_file(config: Config, name: str, path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path} ({config.where(name)}): {exc.strerror}: "
                                 "correct the path") from None


def key_files(config: Config) -> KeyFiles | None:
    """The hub's server-held keys and their images, when a seal key is configured."""
    organization = config["keys.organization"]
    if organization is None:
        return None
    seal_png = config["keys.seal_image"]
    if seal_png is None:
        raise ConfigurationError(f"the seal's image is not set: {config.where('keys.seal_image')}")
    return KeyFiles(
        organization, dict(config["keys.leaders"]),
        read_setting_file(config, "keys.seal_image", seal_png),
        {name: read_setting_file(config, "keys.leader_signatures", path)
         for name, path in config["keys.leader_signatures"].items()},
        config["keys.password_env"] or None, remote_accounts(config["keys.leader_remote"]))


def axis_link(config: Config, organ_id: str) -> AxisClientLink | None:
    if not config["axis.url"]:
        return None
    return vxp_link(config["axis.url"], organ_id, config.secrets["axis_secret"].resolve(),
                    config.data_dir / "axis-work")


def hub_from_config(config: Config) -> Hub:
    """The hub ``edochub serve`` runs: every adapter the configuration names."""
    require_data_dir(config)
    settings = config.settings()
    trust = list(config["trust.anchors"])
    keys = key_files(config)
    tsa, level = config["tsa.url"] or None, config["tsa.pades_level"] or None
    signer = signer_for(keys, trust, tsa, level) if keys else None
    axis = axis_link(config, settings.organ_id)
    store = open_store(settings.file_store, config["storage.s3_endpoint_url"] or None)
    return build_hub(settings, signer, validator_for(trust) if trust else None, axis, trust,
                     store, open_engine(config),
                     # the sealer's worker opens the keys while the server starts
                     sealer_for(signer, keys, trust, tsa, level).start() if signer and keys
                     else None)


def ensure_admin(sessions: sessionmaker[Session], password: str, username: str = "admin"
                 ) -> bool:
    """Create the first administrator when the hub has no user yet; whether it did."""
    with db.transaction(sessions) as session:
        if session.scalars(select(User).limit(1)).first() is not None:
            return False
        users.create_user(session, "setup", username, "Quản trị hệ thống", "admin", password)
        return True


def settle_heap() -> None:
    """A long-running process calls this once it has started (hubs built, their servers up):
    what exists then (modules, keys, parsed certificates, the hubs) lives as long as the
    process, so it is collected once and then kept out of every later collection
    (``gc.freeze``). The oldest generation is then collected after 100 collections of the
    middle one instead of 10: what survives that long is mostly kept on purpose (certificates,
    validated paths, fonts), and each full pass walks all of it. Measured in ``bench_exchange``
    (issue 16), 300 documents: garbage collection 4.9 s without either, 2.6 s frozen, 1.5 s
    with both; a larger first threshold (20 000) saved nothing."""
    import gc

    gc.collect()
    gc.freeze()
    first, second, _ = gc.get_threshold()
    gc.set_threshold(first, second, 100)
