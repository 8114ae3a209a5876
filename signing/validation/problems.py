"""What a validator found about a signature, as stable codes with parameters, and their wording
in Vietnamese and English (the reports, the pages and ``verify`` print these words).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ProblemCode(StrEnum):
    """What went wrong or was noticed about a signature, as a stable code; reports word it in
    their language (``PROBLEMS`` below)."""

    CONTAINER_UNREADABLE = "container-unreadable"          # detail
    STRUCTURE_REJECTED = "structure-rejected"              # detail
    NOT_PROCESSABLE = "not-processable"                    # detail
    BYTE_RANGE_PARTIAL = "byte-range-partial"
    CHANGED_AFTER_SIGNING = "changed-after-signing"
    TIMESTAMP_NOT_VALIDATED = "timestamp-not-validated"
    EXPIRED_BEFORE_SIGNING = "expired-before-signing"      # expiry
    EXPIRED_NO_POE = "expired-no-poe"                      # expiry
    SIGNER_REVOKED = "signer-revoked"                      # date, reason
    CA_REVOKED = "ca-revoked"                              # date, reason
    NO_TRUSTED_CHAIN = "no-trusted-chain"
    CHAIN_NOT_CHECKED = "chain-not-checked"
    #: an RSA signature with PKCS#1 v1.5 padding: valid, but the rules want RSASSA-PSS
    RSA_PKCS1V15 = "rsa-pkcs1v15"
    WEAK_KEY = "weak-key"                                  # type, size, minimum
    WEAK_DIGEST = "weak-digest"                            # digest
    #: a weak key or digest, with proof the signature existed before the rules applied
    WEAK_BEFORE_RULES = "weak-before-rules"                # date
    #: the underlying validator's own message (English), when nothing above says it
    VALIDATOR_MESSAGE = "validator-message"                # detail


@dataclass(frozen=True)
class Problem:
    """One problem: a code and its parameters (dates as ``YYYY-MM-DD``, details as text)."""

    code: ProblemCode
    params: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, code: ProblemCode, **params: str) -> Problem:
        return cls(code, tuple(sorted(params.items())))

    def text(self, language: str = "en") -> str:
        """The problem in plain words, in ``language`` (``en`` or ``vi``)."""
        params = dict(self.params)
        if language == "vi" and "reason" in params:
            params["reason"] = _REVOCATION_REASONS_VI.get(params["reason"], params["reason"])
        return PROBLEMS[language][self.code].format_map(params)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code.value, "params": dict(self.params)}


_P = ProblemCode
PROBLEMS = {
    "vi": {
        _P.CONTAINER_UNREADABLE: "Không đọc được khối chữ ký: {detail}",
        _P.STRUCTURE_REJECTED: "Cấu trúc chữ ký bị từ chối: {detail}",
        _P.NOT_PROCESSABLE: "Không xử lý được chữ ký: {detail}",
        _P.BYTE_RANGE_PARTIAL: "Phạm vi dữ liệu được ký (/ByteRange) không bao trùm toàn bộ "
        "phiên bản tệp chứa chữ ký (chỉ được chừa ra /Contents).",
        _P.CHANGED_AFTER_SIGNING: "Tài liệu bị sửa sau chữ ký này theo cách chữ ký không cho "
        "phép (viết lại nội dung trang hoặc đối tượng khác).",
        _P.TIMESTAMP_NOT_VALIDATED: "Không kiểm tra được dấu thời gian của chữ ký (không tin "
        "cậy hoặc bị hỏng); chỉ đạt mức B-B.",
        _P.EXPIRED_BEFORE_SIGNING: "Chứng thư của người ký hết hạn ngày {expiry}, trước khi "
        "chữ ký được tạo (dấu thời gian nội dung có sau ngày đó).",
        _P.EXPIRED_NO_POE: "Chứng thư của người ký hết hạn ngày {expiry} và không có bằng "
        "chứng chữ ký được tạo trước ngày đó.",
        _P.SIGNER_REVOKED: "Chứng thư của người ký đã bị thu hồi ngày {date} (lý do: "
        "{reason}).",
        _P.CA_REVOKED: "Một chứng thư của tổ chức cấp trong chuỗi đã bị thu hồi ngày {date} "
        "(lý do: {reason}).",
        _P.NO_TRUSTED_CHAIN: "Không có chuỗi chứng thư tới một chứng thư gốc tin cậy (chỉ "
        "định chứng thư gốc bằng --trust).",
        _P.CHAIN_NOT_CHECKED: "Không kiểm tra được chuỗi chứng thư: thiếu thông tin thu hồi, "
        "không truy cập được dịch vụ, hoặc thông tin không còn hiệu lực tại thời điểm kiểm tra.",
        _P.VALIDATOR_MESSAGE: "Thông báo của bộ kiểm tra (tiếng Anh): {detail}",
        _P.RSA_PKCS1V15: "Chữ ký RSA dùng lược đồ PKCS#1 v1.5 (vẫn được chấp nhận); quy định "
        "hiện hành (Thông tư 15/2025/TT-BKHCN) yêu cầu RSASSA-PSS.",
        _P.WEAK_KEY: "Khóa {type} của người ký chỉ dài {size} bit, dưới mức tối thiểu {minimum} "
        "bit theo Thông tư 15/2025/TT-BKHCN.",
        _P.WEAK_DIGEST: "Chữ ký dùng hàm băm {digest}, không còn được chấp nhận (yêu cầu SHA-2 "
        "hoặc SHA-3) theo Thông tư 15/2025/TT-BKHCN.",
        _P.WEAK_BEFORE_RULES: "Dấu thời gian chứng minh chữ ký có trước ngày {date}, khi quy "
        "định về thuật toán và độ dài khóa có hiệu lực.",
    },
    "en": {
        _P.CONTAINER_UNREADABLE: "signature container unreadable: {detail}",
        _P.STRUCTURE_REJECTED: "signature structure rejected: {detail}",
        _P.NOT_PROCESSABLE: "signature could not be processed: {detail}",
        _P.BYTE_RANGE_PARTIAL: "the signed byte range does not cover the whole revision it "
        "belongs to (only /Contents may be left out)",
        _P.CHANGED_AFTER_SIGNING: "the document was changed after this signature in a way a "
        "signature does not allow (page content or other objects rewritten)",
        _P.TIMESTAMP_NOT_VALIDATED: "the signature time-stamp could not be validated "
        "(untrusted or broken); only B-B is reached",
        _P.EXPIRED_BEFORE_SIGNING: "the signer's certificate expired on {expiry}, before the "
        "signature was made (its content time-stamp is later)",
        _P.EXPIRED_NO_POE: "the signer's certificate expired on {expiry}, and nothing proves "
        "the signature existed before that",
        _P.SIGNER_REVOKED: "the signer's certificate was revoked on {date} ({reason})",
        _P.CA_REVOKED: "a CA certificate in the chain was revoked on {date} ({reason})",
        _P.NO_TRUSTED_CHAIN: "no chain to a trusted root (name the root with --trust)",
        _P.CHAIN_NOT_CHECKED: "the certificate chain could not be checked: revocation data "
        "missing, unreachable, or not valid at the validation time",
        _P.VALIDATOR_MESSAGE: "{detail}",
        _P.RSA_PKCS1V15: "the RSA signature uses PKCS#1 v1.5 padding (still accepted); the "
        "rules in force (Circular 15/2025/TT-BKHCN) want RSASSA-PSS",
        _P.WEAK_KEY: "the signer's {type} key has only {size} bits, under the {minimum} bits "
        "Circular 15/2025/TT-BKHCN requires",
        _P.WEAK_DIGEST: "the signature uses the {digest} digest, no longer accepted (SHA-2 or "
        "SHA-3 required by Circular 15/2025/TT-BKHCN)",
        _P.WEAK_BEFORE_RULES: "a time-stamp proves the signature existed before {date}, when "
        "the rules on algorithms and key sizes took effect",
    },
}

#: RFC 5280 revocation reasons (asn1crypto names), in Vietnamese
_REVOCATION_REASONS_VI = {
    "unspecified": "không nêu lý do",
    "key_compromise": "lộ khóa bí mật",
    "ca_compromise": "lộ khóa của tổ chức cấp",
    "affiliation_changed": "thay đổi đơn vị công tác",
    "superseded": "đã được thay thế",
    "cessation_of_operation": "ngừng hoạt động",
    "certificate_hold": "tạm dừng",
    "privilege_withdrawn": "bị rút quyền",
}
