"""Streams the multipart part ``file_doc`` of a ``sendEdoc`` request straight into the staging
file, under the message size limit (Starlette's form parser would spool any size to disk first).
Other parts are ignored but bounded."""

from __future__ import annotations

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from axis.errors import InvalidRequest
from axis.server.store import Staged

FILE_PART = b"file_doc"
OTHER_PARTS_LIMIT = 64 * 1024


class FileDocReader:
    def __init__(self, content_type: str, staged: Staged) -> None:
        _, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if not boundary:
            raise InvalidRequest("multipart sendEdoc without a boundary")
        self.staged, self.found = staged, False
        self._in_file, self._other_bytes = False, 0
        self._field = self._value = self._disposition = b""
        self._parser = MultipartParser(boundary, {
            "on_part_begin": self._part_begin, "on_header_field": self._header_field,
            "on_header_value": self._header_value, "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished, "on_part_data": self._part_data,
        })

    def feed(self, chunk: bytes) -> None:
        try:
            self._parser.write(chunk)
        except MultipartParseError as exc:
            raise InvalidRequest(f"malformed multipart body: {exc}") from exc

    def finish(self) -> None:
        self._parser.finalize()
        if not self.found:
            raise InvalidRequest("multipart sendEdoc needs the file part file_doc")

    def _part_begin(self) -> None:
        self._in_file, self._disposition = False, b""

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        if self._field.lower() == b"content-disposition":
            self._disposition = self._value
        self._field = self._value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if options.get(b"name") == FILE_PART:
            if self.found:
                raise InvalidRequest("multipart sendEdoc carries file_doc twice")
            self.found = self._in_file = True

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self.staged.write(data[start:end])
            return
        self._other_bytes += end - start
        if self._other_bytes > OTHER_PARTS_LIMIT:
            raise InvalidRequest("multipart sendEdoc: parts other than file_doc are too large")
