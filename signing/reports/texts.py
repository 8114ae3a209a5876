"""Wording of the human report, in Vietnamese (default) and English.

Sub-indications get a plain-language explanation an archivist can repeat to a court; kinds of
change after a signature are named as DOMAIN.md §3 groups them; the validator's findings
(:class:`signing.validation.problems.Problem`) word themselves.
"""

from __future__ import annotations

from signing.validation.results import Indication, ModificationLevel, SignatureRole, SubIndication

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
        "algorithm": "Thuật toán ký", "key_size": "khóa {type} {size} bit",
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
        "algorithm": "Signature algorithm", "key_size": "{type} key of {size} bits",
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
