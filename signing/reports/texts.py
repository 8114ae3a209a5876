"""Wording of the human report, in Vietnamese (default) and English.

Sub-indications get a plain-language explanation an archivist can repeat to a court; kinds of
change after a signature are named as DOMAIN.md §3 groups them; the validator's findings
(:class:`signing.validation.results.Problem`) are worded from their code and parameters.
"""

from __future__ import annotations

from signing.validation.results import (
    Indication,
    ModificationLevel,
    Problem,
    ProblemCode,
    SignatureRole,
    SubIndication,
)

LANGUAGES = ("vi", "en")

LABELS = {
    "vi": {
        "title": "Báo cáo kiểm tra chữ ký số",
        "file": "Tệp", "sha256": "Mã băm SHA-256", "validated_at": "Thời điểm kiểm tra",
        "overall": "Kết luận chung", "signature": "Chữ ký", "field": "Trường chữ ký",
        "signer": "Người ký", "organization": "Cơ quan, tổ chức", "agency_code": "Mã định danh",
        "certificate_serial": "Số hiệu chứng thư", "role": "Vai trò ký",
        "claimed_time": "Thời điểm ký (người ký khai)",
        "proven_time": "Thời điểm ký (chứng minh bằng dấu thời gian)",
        "not_proven": "không có dấu thời gian chứng minh",
        "level": "Mức PAdES", "indication": "Kết quả", "sub_indication": "Lý do",
        "explanation": "Giải thích", "changes_after": "Thay đổi sau chữ ký",
        "trust_anchor": "Chứng thư gốc tin cậy", "problems": "Ghi nhận",
        "no_signature": "Tệp không có chữ ký số nào.", "error": "Không đọc được tệp",
        "unknown": "không rõ", "footer": "Lập bởi edochub theo ETSI EN 319 102-1; "
        "báo cáo XML theo ETSI TS 119 102-2 kèm theo.",
    },
    "en": {
        "title": "Signature validation report",
        "file": "File", "sha256": "SHA-256 digest", "validated_at": "Validated at",
        "overall": "Overall result", "signature": "Signature", "field": "Signature field",
        "signer": "Signer", "organization": "Organization", "agency_code": "Agency code",
        "certificate_serial": "Certificate serial number", "role": "Signing role",
        "claimed_time": "Signing time (claimed by the signer)",
        "proven_time": "Signing time (proven by a time-stamp)",
        "not_proven": "no time-stamp proves it",
        "level": "PAdES level", "indication": "Result", "sub_indication": "Reason",
        "explanation": "Explanation", "changes_after": "Changes after this signature",
        "trust_anchor": "Trust anchor", "problems": "Notes",
        "no_signature": "The file holds no digital signature.", "error": "The file could not "
        "be read", "unknown": "unknown", "footer": "Produced by edochub following ETSI EN "
        "319 102-1; the ETSI TS 119 102-2 XML report accompanies it.",
    },
}

INDICATIONS = {
    "vi": {
        Indication.TOTAL_PASSED: "HỢP LỆ (TOTAL-PASSED)",
        Indication.INDETERMINATE: "CHƯA XÁC ĐỊNH ĐƯỢC (INDETERMINATE)",
        Indication.TOTAL_FAILED: "KHÔNG HỢP LỆ (TOTAL-FAILED)",
    },
    "en": {
        Indication.TOTAL_PASSED: "VALID (TOTAL-PASSED)",
        Indication.INDETERMINATE: "UNDETERMINED (INDETERMINATE)",
        Indication.TOTAL_FAILED: "INVALID (TOTAL-FAILED)",
    },
}

_S = SubIndication
SUB_INDICATIONS = {
    "vi": {
        _S.FORMAT_FAILURE: "Chữ ký hoặc cấu trúc tệp không đúng định dạng, không thể kiểm tra.",
        _S.HASH_FAILURE: "Nội dung được ký đã bị thay đổi: mã băm không khớp với chữ ký.",
        _S.SIG_CRYPTO_FAILURE: "Giá trị chữ ký không khớp với khóa công khai của người ký.",
        _S.REVOKED: "Chứng thư của người ký đã bị thu hồi trước thời điểm ký đã được chứng "
        "minh.",
        _S.SIG_CONSTRAINTS_FAILURE: "Tài liệu bị sửa sau khi ký theo cách chữ ký không cho "
        "phép (thay nội dung trang, thêm trang, thay đối tượng).",
        _S.CHAIN_CONSTRAINTS_FAILURE: "Chuỗi chứng thư không đáp ứng chính sách kiểm tra.",
        _S.CERTIFICATE_CHAIN_GENERAL_FAILURE: "Không kiểm tra được chuỗi chứng thư.",
        _S.CRYPTO_CONSTRAINTS_FAILURE: "Thuật toán hoặc độ dài khóa không còn được chấp nhận.",
        _S.EXPIRED: "Chứng thư của người ký đã hết hạn trước thời điểm ký đã được chứng minh.",
        _S.NOT_YET_VALID: "Chứng thư của người ký chưa có hiệu lực tại thời điểm ký.",
        _S.POLICY_PROCESSING_ERROR: "Không xử lý được chính sách kiểm tra.",
        _S.SIGNATURE_POLICY_NOT_AVAILABLE: "Không có chính sách chữ ký được yêu cầu.",
        _S.TIMESTAMP_ORDER_FAILURE: "Thứ tự các dấu thời gian không hợp lý.",
        _S.NO_SIGNING_CERTIFICATE_FOUND: "Không tìm thấy chứng thư của người ký.",
        _S.NO_CERTIFICATE_CHAIN_FOUND: "Không dựng được chuỗi chứng thư tới một chứng thư gốc "
        "tin cậy.",
        _S.REVOKED_NO_POE: "Chứng thư đã bị thu hồi và không có bằng chứng (dấu thời gian) "
        "rằng chữ ký có trước thời điểm thu hồi.",
        _S.REVOKED_CA_NO_POE: "Chứng thư của tổ chức cấp đã bị thu hồi và không có bằng chứng "
        "chữ ký có trước đó.",
        _S.OUT_OF_BOUNDS_NO_POE: "Chứng thư đã hết hạn hoặc bị thu hồi tại thời điểm kiểm tra "
        "và không có bằng chứng chữ ký được tạo khi chứng thư còn hiệu lực.",
        _S.OUT_OF_BOUNDS_NOT_REVOKED: "Chứng thư đã hết hạn tại thời điểm kiểm tra (không bị "
        "thu hồi) và không có bằng chứng chữ ký có trước khi hết hạn.",
        _S.CRYPTO_CONSTRAINTS_FAILURE_NO_POE: "Thuật toán đã hết được chấp nhận và không có "
        "bằng chứng chữ ký có trước thời điểm đó.",
        _S.NO_POE: "Không có bằng chứng về thời điểm tồn tại của chữ ký.",
        _S.TRY_LATER: "Chưa có thông tin thu hồi đủ mới; hãy kiểm tra lại sau.",
        _S.SIGNED_DATA_NOT_FOUND: "Không tìm thấy dữ liệu được ký.",
        _S.GENERIC: "Lỗi khác trong quá trình kiểm tra.",
    },
    "en": {
        _S.FORMAT_FAILURE: "The signature or the file structure is malformed and cannot be "
        "checked.",
        _S.HASH_FAILURE: "The signed content was changed: its digest does not match the "
        "signature.",
        _S.SIG_CRYPTO_FAILURE: "The signature value does not match the signer's public key.",
        _S.REVOKED: "The signer's certificate was revoked before the proven signing time.",
        _S.SIG_CONSTRAINTS_FAILURE: "The document was changed after signing in a way a "
        "signature does not allow (page content replaced, pages added, objects replaced).",
        _S.CHAIN_CONSTRAINTS_FAILURE: "The certificate chain does not meet the validation "
        "policy.",
        _S.CERTIFICATE_CHAIN_GENERAL_FAILURE: "The certificate chain could not be checked.",
        _S.CRYPTO_CONSTRAINTS_FAILURE: "An algorithm or key size is no longer accepted.",
        _S.EXPIRED: "The signer's certificate expired before the proven signing time.",
        _S.NOT_YET_VALID: "The signer's certificate was not yet valid at signing time.",
        _S.POLICY_PROCESSING_ERROR: "The validation policy could not be processed.",
        _S.SIGNATURE_POLICY_NOT_AVAILABLE: "The required signature policy is not available.",
        _S.TIMESTAMP_ORDER_FAILURE: "The time-stamps are not in a plausible order.",
        _S.NO_SIGNING_CERTIFICATE_FOUND: "The signer's certificate was not found.",
        _S.NO_CERTIFICATE_CHAIN_FOUND: "No chain to a trusted root certificate could be built.",
        _S.REVOKED_NO_POE: "The certificate is revoked and nothing (no time-stamp) proves the "
        "signature existed before the revocation.",
        _S.REVOKED_CA_NO_POE: "The issuing CA's certificate is revoked and nothing proves the "
        "signature existed before that.",
        _S.OUT_OF_BOUNDS_NO_POE: "The certificate was expired or revoked at validation time "
        "and nothing proves the signature was made while it was valid.",
        _S.OUT_OF_BOUNDS_NOT_REVOKED: "The certificate had expired (not revoked) at validation "
        "time and nothing proves the signature predates the expiry.",
        _S.CRYPTO_CONSTRAINTS_FAILURE_NO_POE: "An algorithm is no longer accepted and nothing "
        "proves the signature predates that.",
        _S.NO_POE: "Nothing proves when the signature existed.",
        _S.TRY_LATER: "Revocation information is not fresh enough yet; check again later.",
        _S.SIGNED_DATA_NOT_FOUND: "The signed data could not be found.",
        _S.GENERIC: "Another error occurred during validation.",
    },
}

_M = ModificationLevel
MODIFICATIONS = {
    "vi": {
        None: "Chữ ký bao trùm toàn bộ tệp: không có thay đổi nào.",
        _M.NONE: "Không có thay đổi nào về nội dung.",
        _M.LTA_UPDATES: "Chỉ bổ sung dữ liệu kiểm tra và dấu thời gian (lưu trữ dài hạn).",
        _M.FORM_FILLING: "Điền biểu mẫu hoặc thêm chữ ký khác.",
        _M.ANNOTATIONS: "Thêm chú thích (ghi chú, đánh dấu).",
        _M.OTHER: "Nội dung bị thay đổi (trang, đối tượng): chữ ký không còn bảo đảm nội dung "
        "đang hiển thị.",
    },
    "en": {
        None: "The signature covers the whole file: nothing changed.",
        _M.NONE: "No change to the content.",
        _M.LTA_UPDATES: "Only validation data and time-stamps added (long-term preservation).",
        _M.FORM_FILLING: "Form filling or further signatures.",
        _M.ANNOTATIONS: "Annotations added (comments, markup).",
        _M.OTHER: "Content changed (pages, objects): the signature no longer vouches for what "
        "is displayed.",
    },
}

_R = SignatureRole
ROLES = {
    "vi": {
        _R.LEADER: "Người có thẩm quyền ký (lãnh đạo)",
        _R.ORGANIZATION: "Cơ quan, tổ chức ban hành",
        _R.ATTACHMENT: "Cơ quan, tổ chức ký tệp đính kèm (văn bản kèm theo)",
        _R.COPY: "Cơ quan, tổ chức ký số bản sao",
        None: "Không xác định (chữ ký không do hệ thống tạo)",
    },
    "en": {
        _R.LEADER: "Competent signatory (leader)",
        _R.ORGANIZATION: "Issuing agency",
        _R.ATTACHMENT: "Agency signature on an attachment file",
        _R.COPY: "Agency signature on a copy",
        None: "Unknown (not made by the hub)",
    },
}

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


def problem_text(problem: Problem, language: str) -> str:
    """``problem`` in plain words in ``language`` (``vi`` or ``en``)."""
    params = dict(problem.params)
    if language == "vi" and "reason" in params:
        params["reason"] = _REVOCATION_REASONS_VI.get(params["reason"], params["reason"])
    return PROBLEMS[language][problem.code].format_map(params)
