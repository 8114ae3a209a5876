"""Envelopes in an S3-compatible object store, so several axis servers share them (with the
database) and nothing else.

Staging stays on local disk (bounded memory, the hash checked before anything is stored); the
finished envelope is uploaded (multipart beyond 64 MB, a few parts in flight) before its row is
committed and the sender answered, and read back as a stream. Credentials come the usual boto3
way (environment, shared files, instance roles); ``endpoint_url`` names a non-AWS service.

botocore's errors stay here: an object store that is down, or refuses (no bucket, no rights),
is ``AxisUnavailable`` in one line (503, worth retrying; nothing was committed); a missing
object is ``MessageNotFound``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from axis.errors import AxisUnavailable, MessageNotFound
from axis.server.store import SUFFIX, Staged, StagingArea

MiB = 1 << 20


@contextmanager
def _store_errors(what: str, missing: str | None = None) -> Iterator[None]:
    """botocore's failures as the axis's own: the one place they are translated. The answer
    names the store's error code or the failure's kind, never a path or an endpoint."""
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (ClientError, BotoCoreError, Boto3Error) as exc:
        # boto3's transfer manager wraps the service's answer (S3UploadFailedError)
        cause = exc if isinstance(exc, ClientError) else exc.__cause__ or exc.__context__
        if isinstance(cause, ClientError):
            code = cause.response.get("Error", {}).get("Code", "?")
            if missing is not None and code in ("NoSuchKey", "404"):  # an object read
                raise MessageNotFound(missing) from None
            raise AxisUnavailable(f"message store refused to {what}: {code}") from None
        raise AxisUnavailable(f"message store unavailable, could not {what}: "
                              f"{type(exc).__name__}") from None


class S3MessageStore(StagingArea):
    """Envelopes as objects ``<prefix><doc id>.edxml`` in ``bucket``."""

    def __init__(self, bucket: str, prefix: str, staging: Path, max_size: int,
                 endpoint_url: str | None = None) -> None:
        import boto3
        from boto3.s3.transfer import TransferConfig

        super().__init__(staging, max_size)
        self.bucket, self.prefix = bucket, prefix
        self._client = boto3.client("s3", endpoint_url=endpoint_url)
        self._transfer = TransferConfig(multipart_threshold=64 * MiB,
                                        multipart_chunksize=16 * MiB, max_concurrency=4)

    def _key(self, doc_id: str) -> str:
        return f"{self.prefix}{doc_id}{SUFFIX}"

    def keep(self, staged: Staged, doc_id: str) -> None:
        """Upload a finished staging file; it is in the store when this returns."""
        with _store_errors(f"keep message {doc_id}"):
            self._client.upload_file(str(staged.path), self.bucket, self._key(doc_id),
                                     Config=self._transfer)
        staged.discard()

    def open(self, doc_id: str) -> BinaryIO:
        with _store_errors(f"read message {doc_id}", f"message {doc_id} is not in the store"):
            answer = self._client.get_object(Bucket=self.bucket, Key=self._key(doc_id))
        return answer["Body"]

    def remove(self, doc_id: str) -> None:
        with _store_errors(f"remove message {doc_id}"):
            self._client.delete_object(Bucket=self.bucket, Key=self._key(doc_id))

    def stored(self) -> Iterator[tuple[str, datetime]]:
        with _store_errors("list messages"):
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for item in page.get("Contents", ()):
                    name = item["Key"][len(self.prefix):]
                    if "/" not in name and name.endswith(SUFFIX):
                        yield name.removesuffix(SUFFIX), item["LastModified"]

    def check(self) -> None:
        with _store_errors(f"reach bucket {self.bucket}"):
            self._client.head_bucket(Bucket=self.bucket)
