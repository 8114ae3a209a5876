"""The register's signing and validation ports bound to PAdES (``signing``): the hub's
server-held keys, the signer (leader, seal, attachments; local, token or remote keys) and the
validator. pyHanko's and the signing package's types stay in here; their errors become
register errors at this boundary where the register must decide. (The edXML codec is
``edxml_codec``, the axis link ``axis_link``.)
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from asn1crypto import x509

from documents.domain.errors import InvalidInput
from documents.domain.ports import (
    LeaderKey,
    RemoteApproval,
)

if TYPE_CHECKING:
    from documents.domain.ports import FileVerdict
    from signing.pades import CscSource, PolledSource, SignatureOptions, SigningKey
    from signing.stamping import Profile, RoleSigners
    from signing.validation import IsolatedValidator, ValidationSettings, Validator

_Result = TypeVar("_Result")


@dataclass(frozen=True)
class KeyFiles:
    """The hub's server-held keys (PKCS#12) and the images Decree 30 shows with them: the
    organization's red seal, and each leader's blue handwritten signature (PNG)."""

    organization: Path
    leaders: dict[str, Path]
    seal_png: bytes
    signatures_png: dict[str, bytes]
    password_env: str | None = None
    #: leaders who sign with a remote-signing service: user name → its credential
    remote: dict[str, CscSource | PolledSource] = field(default_factory=dict)


#: how long (seconds) the hub reuses its signers' certificate checks and the OCSP/CRL answers
#: fetched to check a leader's signature before issuing; then it checks again, so a signing
#: certificate revoked meanwhile is refused within this time
REVOCATION_REUSE_SECONDS = 300.0


class _PerThread(threading.local):
    """One :class:`_ThreadState` per thread (keys, pyHanko signers and fetchers are not
    thread-safe and are bound to their event loop; the API serves requests from a thread
    pool)."""

    def __init__(self, every: list[_ThreadState]) -> None:
        self.state = _ThreadState()
        every.append(self.state)  # so that close() reaches every thread's state


class _ThreadState:
    """A thread's event loop and what is opened on it: the keys, and the signers and the
    validator reused across documents."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.keys: dict[Path, SigningKey] = {}
        self.opened = ExitStack()
        self.signers: RoleSigners | None = None
        #: open while kept
        self.validator: Validator | None = None
        self.since = 0.0

    def run(self, coroutine: Coroutine[Any, Any, _Result]) -> _Result:
        return self.loop.run_until_complete(coroutine)

    async def fresh(self, fresh_for: float) -> RoleSigners:
        """The signers kept on this thread; they and the validator are dropped (revocation
        checked again) when older than ``fresh_for`` seconds."""
        from signing.stamping import RoleSigners

        if self.signers is not None and time.monotonic() - self.since >= fresh_for:
            await self.release()
        if self.signers is None:
            self.signers, self.since = RoleSigners(), time.monotonic()
        return self.signers

    async def leader_check(self, settings: ValidationSettings) -> Validator:
        """The validator that checks leaders' signatures before issuing (after ``fresh``)."""
        from signing.validation import Validator

        if self.validator is None:
            self.validator = await Validator(settings).__aenter__()
        return self.validator

    async def release(self) -> None:
        if self.signers is not None:
            await self.signers.aclose()
            self.signers = None
        if self.validator is not None:
            await self.validator.aclose()
            self.validator = None

    def close(self) -> None:
        # on a thread of its own: close() may be called where another event loop is running
        # (an async server's shutdown, a browser test session), and this loop cannot run there
        with ThreadPoolExecutor(max_workers=1) as closer:
            closer.submit(self.run, self.release()).result()
        self.opened.close()
        self.keys.clear()
        self.loop.close()


class PadesDocumentSigner:
    """Decree 30 signatures as PAdES (``signing.stamping.issuance``,
    ``signing.stamping.role_signing``):
    the leader's with their signature image, then the seal filling number and date, and the
    attachments' top-right text signature."""

    def __init__(self, keys: KeyFiles, options: SignatureOptions, settings: ValidationSettings,
                 fresh_for: float = REVOCATION_REUSE_SECONDS) -> None:
        #: ``settings``: used to check the leader's signature before sealing; ``fresh_for``:
        #: see REVOCATION_REUSE_SECONDS
        self.keys, self.options, self.settings = keys, options, settings
        self.fresh_for = fresh_for
        self._every: list[_ThreadState] = []
        self._threads = _PerThread(self._every)

    @property
    def _state(self) -> _ThreadState:
        return self._threads.state

    def close(self) -> None:
        """Release every thread's keys and network sessions (when the hub stops)."""
        every, self._every[:] = list(self._every), []
        self._threads = _PerThread(self._every)  # usable again afterwards, opening anew
        for state in every:
            state.close()

    def _key(self, path: Path) -> SigningKey:
        from signing.pades import Pkcs12Source, open_key

        state = self._state
        if path not in state.keys:
            state.keys[path] = state.opened.enter_context(
                open_key(Pkcs12Source(path, self.keys.password_env)))
        return state.keys[path]

    def _sign(self, key_path: Path, profile: Profile, pdf: bytes) -> bytes:
        from signing.stamping import async_sign_profile

        async def sign() -> bytes:
            signers = await self._state.fresh(self.fresh_for)
            return await async_sign_profile(self._key(key_path), self.options, profile, pdf,
                                            signers=signers)

        return self._state.run(sign())

    def prepare(self, pdf: bytes) -> bytes:
        from signing.stamping import prepared_draft

        return prepared_draft(pdf)

    def sign_as_leader(self, pdf: bytes, leader: LeaderKey) -> bytes:
        key = self.keys.leaders.get(leader.username)
        if key is None:
            raise InvalidInput(f"the hub holds no signing key for leader {leader.username!r}")
        return self._sign(key, self._leader_profile(leader), pdf)

    async def prepare_for_token(self, pdf: bytes, leader: LeaderKey, certificate: object,
                                chain: Sequence[object]) -> tuple[bytes, str]:
        from signing.pades import SignatureOptions
        from signing.stamping import async_prepare

        # a B-B signature: the token's machine has no TSA of ours; the seal's B-LTA covers it.
        # Only the hub's own trust anchors decide whether the token's certificate may sign,
        # never a root the caller sends along with it.
        issuers = tuple(c for c in chain if isinstance(c, x509.Certificate))
        if not isinstance(certificate, x509.Certificate) or len(issuers) != len(chain):
            raise InvalidInput("the token's certificate and chain must be X.509 certificates")
        prepared, request = await async_prepare(
            pdf, certificate, issuers,
            SignatureOptions(trust_roots=self.options.trust_roots, trust_key_root=False),
            profile=self._leader_profile(leader))
        return prepared, request.to_json()

    def remote_signing(self, username: str) -> str | None:
        from signing.pades import CscSource

        source = self.keys.remote.get(username)
        if source is None:
            return None
        return "csc" if isinstance(source, CscSource) else "phone"

    async def sign_remotely(self, pdf: bytes, leader: LeaderKey,
                            approval: RemoteApproval) -> bytes:
        from signing.pades import Authorisation, async_open_key
        from signing.stamping import async_sign_profile

        source = self.keys.remote.get(leader.username)
        if source is None:
            raise InvalidInput(f"leader {leader.username!r} has no remote-signing account")
        authorisation = Authorisation(pin=approval.pin or None, otp=approval.otp or None)
        # as for a token: only the hub's own anchors decide whether the certificate may sign
        options = replace(self.options, trust_key_root=False)
        async with async_open_key(source, authorisation) as key:
            return await async_sign_profile(key, options, self._leader_profile(leader), pdf)

    def _leader_profile(self, leader: LeaderKey) -> Profile:
        from signing.stamping import Profile
        from signing.validation import SignatureRole

        image = self.keys.signatures_png.get(leader.username)
        if image is None:
            raise InvalidInput(f"the hub holds no signature image for leader {leader.username!r}")
        # placed by the printed full name, which is the certificate's (CN) by default
        return Profile(SignatureRole.LEADER, image_png=image)

    def issue(self, pdf: bytes, number: int, notation: str, place: str, day: date,
              leader_checked: Future[Any] | None = None) -> bytes:
        from signing.stamping import Issuance, async_issue

        issuance = Issuance(self.keys.seal_png, number, notation, place, day)

        async def issue() -> bytes:
            signers = await self._state.fresh(self.fresh_for)
            return await async_issue(
                pdf, self._key(self.keys.organization), self.options, self.settings, issuance,
                signers=signers, validator=await self._state.leader_check(self.settings),
                checked_elsewhere=(None if leader_checked is None
                                   else asyncio.wrap_future(leader_checked)))

        return self._state.run(issue())

    def check_leader_signature(self, pdf: bytes) -> None:
        from signing.stamping import async_require_leader_signature

        async def check() -> None:
            await self._state.fresh(self.fresh_for)  # the validator is renewed with the signers
            await async_require_leader_signature(
                pdf, self.settings, await self._state.leader_check(self.settings))

        self._state.run(check())

    def seal_attachment(self, pdf: bytes, number_notation: str) -> bytes:
        from signing.stamping import Profile
        from signing.validation import SignatureRole

        return self._sign(self.keys.organization,
                          Profile(SignatureRole.ATTACHMENT, number_notation=number_notation),
                          pdf)


class PadesDocumentValidator:
    """Every signature of a PDF validated (``signing.validation.validator``, pyHanko's async
    API) by one validator kept across calls (``signing.validation.kept``): its OCSP/CRL
    answers and validated certificate paths are reused for ``fresh_for`` seconds (see
    REVOCATION_REUSE_SECONDS), then fetched and validated again."""

    def __init__(self, settings: ValidationSettings,
                 fresh_for: float = REVOCATION_REUSE_SECONDS) -> None:
        from signing.validation import KeptValidator

        self.settings = settings
        self._kept = KeptValidator(settings, fresh_for)

    async def validate(self, files: Sequence[tuple[str, bytes]]) -> list[FileVerdict]:
        return list(await self._kept.validate(files))

    def close(self) -> None:
        """Close the kept validator (also done when this object is collected, or at exit)."""
        self._kept.close()

    def isolated(self, memory_bytes: int, seconds: float) -> IsolatedValidator:
        from signing.validation import IsolatedValidator, Limits

        return IsolatedValidator(self.settings, Limits(memory_bytes, seconds))
