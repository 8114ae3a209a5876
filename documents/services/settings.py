"""One hub's settings as the services see them: which agency it is, where it keeps data, and
its token signing key. Reading them (file, environment, secrets by reference) is the job of
:mod:`edochub.config`; nothing here reads the environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from documents.domain.errors import ConfigurationError


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
