"""Envelopes in an S3-compatible object store, so several axis servers share them (with the
database) and nothing else.

Staging stays on local disk (bounded memory, the hash checked before anything is stored); the
finished envelope is uploaded (multipart beyond 64 MB, a few parts in flight) before its row is
committed and the sender answered, and read back as a stream. Credentials come the usual boto3
way (environment, shared files, instance roles); ``endpoint_url`` names a non-AWS service.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from axis.errors import MessageNotFound
from axis.server.store import SUFFIX, Staged, StagingArea

MiB = 1 << 20


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
        self._client.upload_file(str(staged.path), self.bucket, self._key(doc_id),
                                 Config=self._transfer)
        staged.discard()

    def open(self, doc_id: str) -> BinaryIO:
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=self._key(doc_id))
        except self._client.exceptions.NoSuchKey:
            raise MessageNotFound(f"message {doc_id} is not in the store") from None
        return answer["Body"]

    def remove(self, doc_id: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=self._key(doc_id))

    def stored(self) -> Iterator[tuple[str, datetime]]:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", ()):
                name = item["Key"][len(self.prefix):]
                if "/" not in name and name.endswith(SUFFIX):
                    yield name.removesuffix(SUFFIX), item["LastModified"]

    def check(self) -> None:
        self._client.head_bucket(Bucket=self.bucket)
