"""One hub's configuration: which agency it is, where it keeps data, and its secrets.

Secrets (token signing key, axis secret, first admin password) come from the environment or
from files named there (``EDOCHUB_X_FILE``), never from code.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from documents.domain.errors import ConfigurationError


def secret(name: str, environ: dict[str, str] | None = None) -> str:
    """``EDOCHUB_<NAME>`` or the content of the file ``EDOCHUB_<NAME>_FILE``."""
    env = os.environ if environ is None else environ
    key = f"EDOCHUB_{name}"
    if env.get(key):
        return env[key]
    if env.get(f"{key}_FILE"):
        return Path(env[f"{key}_FILE"]).read_text().strip()
    raise ConfigurationError(f"secret {key} is not set (give it or {key}_FILE)")


@dataclass(frozen=True)
class HubSettings:
    organ_id: str  # mã định danh, e.g. 000.00.00.H41
    organ_name: str
    abbreviation: str  # for notations, e.g. UBND
    place: str  # địa danh of the date line
    database_url: str
    file_store: str  # folder or s3://bucket/prefix
    token_key: str
    #: keys the audit log's hash chain (documents.services.audit); never stored in the database
    audit_key: str = ""
    #: agency code → organizationIdentifier its seal certificate must carry
    seal_identifiers: dict[str, str] = field(default_factory=dict)
    token_minutes: int = 480
    max_file_bytes: int = 50 * 1024 * 1024
    #: any one request's body (a document and its attachments, an archive upload)
    max_request_bytes: int = 256 * 1024 * 1024
    #: the archive's validation: PDF members per ZIP, bytes a ZIP may expand to, jobs running
    #: at once, and each file's worker process (address space, seconds)
    max_archive_members: int = 1000
    max_archive_bytes: int = 1024 * 1024 * 1024
    max_archive_jobs: int = 2
    validation_memory_bytes: int = 2048 * 1024 * 1024
    validation_seconds: float = 60.0
    #: local folder for the hub's own working files (the archive's validation jobs); empty:
    #: the folder that holds a local file store
    data_dir: str = ""

    def expected_seal_identifier(self, organ_id: str) -> str:
        """By default an agency's seal names its own agency code."""
        return self.seal_identifiers.get(organ_id, organ_id)

    def local_data_dir(self) -> Path:
        if self.data_dir:
            return Path(self.data_dir)
        if "://" in self.file_store:
            raise ConfigurationError("EDOCHUB_DATA_DIR is not set and the file store is not a "
                                     "local folder: name a folder for the hub's working files")
        return Path(self.file_store).parent

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> HubSettings:
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("EDOCHUB_DATA_DIR", "var"))
        try:
            organ_id = env["EDOCHUB_ORGAN_ID"]
        except KeyError:
            raise ConfigurationError("EDOCHUB_ORGAN_ID (this agency's code) is not set") from None
        return cls(
            organ_id=organ_id,
            organ_name=env.get("EDOCHUB_ORGAN_NAME", organ_id),
            abbreviation=env.get("EDOCHUB_ABBREVIATION", "UBND"),
            place=env.get("EDOCHUB_PLACE", "Hà Nội"),
            database_url=env.get("DATABASE_URL", f"sqlite:///{data_dir / 'edochub.db'}"),
            file_store=env.get("EDOCHUB_FILE_STORE", str(data_dir / "files")),
            token_key=secret("TOKEN_KEY", env),
            audit_key=secret("AUDIT_KEY", env),
            seal_identifiers=json.loads(env.get("EDOCHUB_SEAL_IDENTIFIERS", "{}")),
            data_dir=str(data_dir),
        )
