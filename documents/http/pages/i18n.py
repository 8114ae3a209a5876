"""Wording of the pages, Vietnamese first and English, and the date formats officials use
(dd/mm/yyyy, Vietnam time)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from decree30 import VIETNAM_TIME
from documents.domain.errors import InvalidInput

LANGUAGES = ("vi", "en")
DEFAULT = "vi"

_T: dict[str, tuple[str, str]] = {
    # (Vietnamese, English)
    "app": ("Sổ văn bản điện tử", "Electronic document register"),
    "skip": ("Bỏ qua, tới nội dung chính", "Skip to main content"),
    "language": ("Ngôn ngữ", "Language"),
    "login": ("Đăng nhập", "Log in"),
    "logout": ("Đăng xuất", "Log out"),
    "username": ("Tên đăng nhập", "User name"),
    "password": ("Mật khẩu", "Password"),
    "wrong_login": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong user name or password."),
    "required": ("Vui lòng nhập trường này.", "Please fill in this field."),
    "required_file": ("Vui lòng chọn tệp PDF.", "Please choose a PDF file."),
    "bad_date": ("Ngày phải có dạng dd/mm/yyyy, ví dụ 05/01/2026.",
                 "Dates are written dd/mm/yyyy, e.g. 05/01/2026."),
    "outgoing": ("Văn bản đi", "Outgoing documents"),
    "incoming": ("Văn bản đến", "Incoming documents"),
    "overdue": ("Văn bản quá hạn", "Overdue documents"),
    "archive": ("Kiểm tra chữ ký (lưu trữ)", "Signature check (archive)"),
    "new_draft": ("Soạn dự thảo", "New draft"),
    "exchange": ("Gửi/nhận qua trục", "Send/receive via the axis"),
    "exchange_done": ("Đã gửi {sent}, nhận {received} văn bản, {statuses} trạng thái.",
                      "Sent {sent}, received {received} documents, {statuses} statuses."),
    "search": ("Tìm kiếm", "Search"),
    "filters": ("Bộ lọc", "Filters"),
    "number": ("Số, ký hiệu", "Number/notation"),
    "subject": ("Trích yếu", "Subject"),
    "sender": ("Nơi gửi", "Sender"),
    "date_from": ("Từ ngày", "From"),
    "date_to": ("Đến ngày", "To"),
    "status": ("Trạng thái", "Status"),
    "all": ("Tất cả", "All"),
    "sort": ("Sắp xếp", "Sort by"),
    "sort_newest": ("Mới nhất", "Newest first"),
    "sort_subject": ("Trích yếu (A–Z)", "Subject (A–Z)"),
    "sort_sender": ("Nơi gửi (A–Z)", "Sender (A–Z)"),
    "no_rows": ("Không có văn bản nào.", "No documents."),
    "doc_type": ("Loại văn bản", "Document type"),
    "date": ("Ngày", "Date"),
    "issued_on": ("Ngày ban hành", "Date issued"),
    "received_at": ("Ngày đến", "Arrival date"),
    "incoming_number": ("Số đến", "Incoming number"),
    "signer": ("Người ký", "Signer"),
    "recipients": ("Nơi nhận", "Recipients"),
    "unit": ("Đơn vị soạn thảo", "Drafting unit"),
    "signer_position": ("Chức vụ người ký", "Signer's position"),
    "competence": ("Thẩm quyền ký (KT., TL., …)", "Signing competence (KT., TL., …)"),
    "copies": ("Số lượng bản", "Copies"),
    "file_keeper": ("Đơn vị, người lưu hồ sơ", "File kept by"),
    "notes": ("Ghi chú", "Notes"),
    "recipients_help": ("Mỗi dòng một cơ quan: mã định danh, tên (ví dụ 000.00.00.G09, Bộ Mẫu)",
                        "One agency per line: code, name (e.g. 000.00.00.G09, Bộ Mẫu)"),
    "bad_recipient": ("Dòng {line}: mã định danh phải có dạng 000.00.00.G09.",
                      "Line {line}: agency codes look like 000.00.00.G09."),
    "document_pdf": ("Tệp văn bản (PDF)", "Document file (PDF)"),
    "attachments": ("Phụ lục (PDF, không bắt buộc)", "Attachments (PDF, optional)"),
    "create": ("Tạo dự thảo", "Create draft"),
    "metadata": ("Thông tin văn bản", "Document details"),
    "file": ("Tệp", "File"),
    "signatures": ("Chữ ký số", "Digital signatures"),
    "no_signatures": ("Văn bản chưa có chữ ký số.", "The document carries no signature yet."),
    "role": ("Vai trò", "Role"),
    "signed_at": ("Thời điểm ký", "Signed at"),
    "proven_at": ("Dấu thời gian", "Time-stamp"),
    "result": ("Kết quả kiểm tra", "Validation result"),
    "history": ("Lịch sử xử lý", "History"),
    "who": ("Người thực hiện", "By"),
    "when": ("Thời điểm", "When"),
    "what": ("Thao tác", "Action"),
    "actions": ("Thao tác được phép", "Your actions"),
    "no_actions": ("Bạn không có thao tác nào với văn bản ở trạng thái này.",
                   "You have no action on this document in its current state."),
    "reason": ("Lý do", "Reason"),
    "receiving_unit": ("Đơn vị nhận", "Receiving unit"),
    "override_reason": ("Lý do vẫn vào sổ (văn bản bị cảnh báo)",
                        "Reason to register anyway (flagged document)"),
    "main_handler": ("Người chủ trì xử lý", "Main handler"),
    "co_handlers": ("Người phối hợp", "Co-handlers"),
    "for_information": ("Để biết", "For information"),
    "due_date": ("Hạn xử lý", "Due date"),
    "direction": ("Ý kiến chỉ đạo (bút phê)", "Direction"),
    "note": ("Ghi chú", "Note"),
    "verification": ("Kiểm tra khi nhận", "Checks on arrival"),
    "signatures_valid": ("Chữ ký hợp lệ", "Signatures valid"),
    "sender_matches": ("Con dấu đúng cơ quan gửi", "Seal belongs to the sender"),
    "yes": ("Có", "Yes"), "no": ("Không", "No"),
    "flagged": ("Cảnh báo: văn bản chưa qua kiểm tra.", "Warning: the document failed checks."),
    "sending": ("Tiến độ gửi", "Sending progress"),
    "sent_of": ("Đã chuyển lên trục {done}/{total} nơi nhận", "{done} of {total} recipients "
                "handed to the axis"),
    "sign_token": ("Ký bằng USB token (sign-agent)", "Sign with USB token (sign-agent)"),
    "sign_token_help": ("Cắm USB token và chạy “edochub sign-agent” trên máy của bạn.",
                        "Plug in the token and run “edochub sign-agent” on your PC."),
    "sign_remote_csc_help": (
        "Nhập mã PIN hoặc mã OTP của tài khoản ký số từ xa để cho phép ký văn bản này. "
        "Mã chỉ dùng cho lần ký này và không được lưu.",
        "Type the PIN or one-time code of your remote-signing account to authorise this "
        "signature. It is used for this signature only and never stored."),
    "sign_remote_phone_help": (
        "Bấm ký, rồi xác nhận yêu cầu ký trên ứng dụng điện thoại của bạn.",
        "Press sign, then confirm the signing request in the app on your phone."),
    "remote_pin": ("Mã PIN", "PIN"),
    "remote_otp": ("Mã OTP (nếu có)", "One-time code (if any)"),
    "remote_waiting_csc": ("Đang ký qua dịch vụ ký số từ xa…",
                           "Signing through the remote-signing service…"),
    "remote_waiting_phone": ("Đang chờ bạn xác nhận trên điện thoại…",
                             "Waiting for your confirmation on your phone…"),
    "agent_url": ("Địa chỉ sign-agent", "Sign-agent address"),
    "signing_progress": ("Đang ký…", "Signing…"),
    "agent_confirm": ("Mở trang xác nhận của sign-agent để xem văn bản và ký",
                      "Open the sign-agent's confirmation page to check the document and sign"),
    "agent_confirm_wait": ("Chờ bạn xác nhận trên trang của sign-agent (nhập PIN ở đó)…",
                           "Waiting for you to confirm on the sign-agent's page (PIN there)…"),
    "agent_refused": ("Bạn đã từ chối ký trên sign-agent; không có gì được ký.",
                      "You refused on the sign-agent; nothing was signed."),
    "agent_unreachable": ("Không kết nối được sign-agent tại {url}.",
                          "The sign-agent at {url} cannot be reached."),
    "upload": ("Tệp PDF hoặc ZIP cần kiểm tra", "PDF or ZIP files to check"),
    "validate": ("Kiểm tra", "Validate"),
    "progress": ("Tiến độ", "Progress"),
    "checked_of": ("Đã kiểm tra {done}/{total} tệp", "{done} of {total} files checked"),
    "report": ("Báo cáo", "Report"),
    "overall": ("Kết luận", "Overall"),
    "interrupted": ("bị gián đoạn", "interrupted"),
    "job_interrupted": ("Việc kiểm tra bị gián đoạn (máy chủ đã khởi động lại) sau {done}/{total} "
                        "tệp. Các báo cáo đã xong vẫn được giữ; hãy tải lên lại các tệp còn lại.",
                        "The check was interrupted (the server restarted) after {done} of "
                        "{total} files. Finished reports are kept; upload the remaining files "
                        "again."),
    "bad_file_name": ("Tên tệp “{name}” dài quá {limit} byte hoặc có ký tự điều khiển; "
                      "hãy đổi tên rồi tải lên lại.",
                      "The file name “{name}” is longer than {limit} bytes or holds control "
                      "characters; rename it and upload again."),
    "no_file": ("Hãy chọn ít nhất một tệp PDF hoặc ZIP.", "Choose at least one PDF or ZIP file."),
    "forbidden": ("Bạn không có quyền thực hiện thao tác này.",
                  "You are not allowed to do this."),
    "error": ("Có lỗi", "Error"),
    "back": ("Quay lại", "Back"),
    "view": ("Xem", "Open"),
    "saved": ("Đã lưu.", "Saved."),
    # thu hồi, cập nhật, thay thế văn bản đã gửi (business types 1-3, statuses 13/15/16)
    "change_help_update": ("Gửi trích yếu đã sửa tới mọi nơi nhận; mỗi nơi trả lời đồng ý "
                           "hoặc từ chối.", "Sends the corrected subject to every recipient; "
                           "each agrees or refuses."),
    "change_help_recall": ("Đề nghị mọi nơi nhận trả lại văn bản.",
                           "Asks every recipient to take the document back."),
    "change_help_replace": ("Gửi một văn bản đã ban hành, chưa gửi, để thay thế văn bản này.",
                            "Sends an issued, not yet sent document in place of this one."),
    "new_subject": ("Trích yếu mới", "New subject"),
    "replacement": ("Văn bản thay thế", "Replacement document"),
    "replacement_help": ("Chọn văn bản đã ban hành nhưng chưa gửi.",
                         "Choose an issued document not yet sent."),
    "no_replacement": ("Chưa có văn bản nào đã ban hành mà chưa gửi.",
                       "No issued document is waiting to be sent."),
    "choose_replacement": ("Vui lòng chọn văn bản thay thế.", "Please choose the replacement."),
    "replaces": ("Thay thế văn bản", "Replaces"),
    "replaced_by": ("Được thay thế bởi", "Replaced by"),
    "change_asked_1": ("Nơi gửi đề nghị thu hồi văn bản", "The sender asks to recall this "
                       "document"),
    "change_asked_2": ("Nơi gửi đề nghị cập nhật văn bản", "The sender asks to update this "
                       "document"),
    "change_asked_3": ("Nơi gửi đề nghị thay thế văn bản", "The sender asks to replace this "
                       "document"),
    "change_asked_by": ("Đề nghị của {sender}, chờ văn thư trả lời.",
                        "Asked by {sender}; waiting for the records clerk's answer."),
    "change_answer_help": ("Văn thư trả lời: đồng ý (mã 15) hoặc từ chối (mã 16).",
                           "The records clerk answers: agree (code 15) or refuse (code 16)."),
    "answer_reason": ("Ý kiến trả lời", "Answer note"),
    "agree_change": ("Đồng ý (15)", "Agree (15)"),
    "refuse_change": ("Từ chối (16)", "Refuse (16)"),
    "refusal_reason": ("Vui lòng ghi lý do từ chối.", "Please give the reason for refusing."),
    "agree_or_refuse": ("Hãy chọn đồng ý hoặc từ chối.", "Choose agree or refuse."),
    # quản trị người dùng
    "users": ("Quản trị người dùng", "User administration"),
    "user_list": ("Danh sách tài khoản", "Accounts"),
    "new_user": ("Tạo tài khoản", "New account"),
    "full_name": ("Họ và tên", "Full name"),
    "position": ("Chức vụ", "Position"),
    "account": ("Tài khoản", "Account"),
    "active": ("Đang hoạt động", "Active"), "inactive": ("Đã khóa", "Deactivated"),
    "initial_password": ("Mật khẩu ban đầu", "Initial password"),
    "new_password": ("Mật khẩu mới", "New password"),
    "new_role": ("Vai trò mới", "New role"),
    "password_help": ("Ít nhất 8 ký tự; báo riêng cho người dùng, hệ thống không hiển thị lại.",
                      "At least 8 characters; tell the user privately, it is never shown "
                      "again."),
    "username_help": ("2–64 ký tự: chữ thường không dấu, số, dấu . _ -",
                      "2–64 characters: lower-case letters, digits, . _ -"),
    "bad_username": ("Tên đăng nhập chỉ gồm 2–64 chữ thường không dấu, số, dấu . _ -",
                     "User names have 2–64 lower-case letters, digits, . _ -"),
    "bad_role": ("Vui lòng chọn một vai trò.", "Please choose a role."),
    "short_password": ("Mật khẩu cần ít nhất 8 ký tự.", "A password needs at least 8 "
                       "characters."),
    "username_taken": ("Tên đăng nhập này đã có.", "This user name is taken."),
    "create_user": ("Tạo tài khoản", "Create account"),
    "deactivate_help": ("Tài khoản bị khóa không đăng nhập được; lịch sử văn bản vẫn giữ tên.",
                        "A deactivated account cannot log in; documents keep its name."),
    "activate_help": ("Mở khóa để người dùng đăng nhập lại.", "Reactivate to let the user log "
                      "in again."),
}

ROLES = {
    "specialist": ("Chuyên viên", "Specialist"), "leader": ("Lãnh đạo", "Leader"),
    "clerk": ("Văn thư", "Records clerk"), "archivist": ("Lưu trữ", "Archivist"),
    "admin": ("Quản trị", "Administrator"),
}

STATES = {
    "draft": ("Dự thảo", "Draft"), "submitted": ("Chờ ký duyệt", "Awaiting signature"),
    "leader_signed": ("Lãnh đạo đã ký", "Signed by the leader"),
    "issued": ("Đã ban hành", "Issued"), "sent": ("Đã gửi", "Sent"),
    "recalled": ("Đã thu hồi", "Recalled"), "replaced": ("Đã thay thế", "Replaced"),
    "received": ("Mới đến", "Arrived"), "registered": ("Đã vào sổ", "Registered"),
    "rejected": ("Đã từ chối", "Rejected"), "assigned": ("Đã phân công", "Assigned"),
    "processing": ("Đang xử lý", "In progress"), "done": ("Hoàn thành", "Done"),
}

#: actions (buttons and the history), by the workflow's action names
ACTIONS = {
    "draft": ("Tạo dự thảo", "Drafted"), "submit": ("Trình ký", "Submit for signature"),
    "send_back": ("Trả lại", "Send back"), "sign": ("Ký duyệt (khóa trên máy chủ)",
                                                    "Sign (key held by the hub)"),
    "sign_split": ("Ký duyệt bằng USB token", "Signed with the leader's token"),
    "sign_remote": ("Ký số từ xa", "Sign remotely"),
    "issue": ("Ban hành (cấp số, đóng dấu)", "Issue (number and seal)"),
    "send": ("Gửi qua trục", "Send via the axis"),
    "recall": ("Thu hồi", "Recall"), "update": ("Cập nhật", "Update"),
    "replace": ("Thay thế", "Replace"),
    "receive": ("Nhận từ trục", "Received from the axis"), "register": ("Vào sổ", "Register"),
    "reject": ("Từ chối", "Reject"), "assign": ("Phân công xử lý", "Assign"),
    "start": ("Bắt đầu xử lý", "Mark processing"), "finish": ("Hoàn thành", "Mark done"),
    "status": ("Nhận trạng thái", "Status received"), "validate": ("Kiểm tra lại chữ ký",
                                                                   "Signatures re-checked"),
    "change_requested": ("Yêu cầu thu hồi/cập nhật", "Change requested"),
    "answer_change": ("Trả lời yêu cầu", "Answered change"),
    "change_refused": ("Mọi nơi nhận từ chối: văn bản vẫn còn hiệu lực",
                       "Refused by every recipient: the document stays in force"),
    "create_user": ("Tạo tài khoản", "Account created"),
    "change_role": ("Đổi vai trò", "Change role"),
    "reset_password": ("Đặt lại mật khẩu", "Reset password"),
    "deactivate": ("Khóa tài khoản", "Deactivate"), "activate": ("Mở khóa tài khoản", "Reactivate"),
}

STATUS_CODES = {
    "01": ("Đã đến", "Arrived"), "02": ("Từ chối", "Rejected"),
    "03": ("Đã vào sổ", "Registered"), "04": ("Đã phân công", "Assigned"),
    "05": ("Đang xử lý", "Processing"), "06": ("Hoàn thành", "Done"),
    "13": ("Đã đề nghị thu hồi/cập nhật", "Recall or update asked"),
    "15": ("Đồng ý thu hồi/cập nhật", "Agreed to recall or update"),
    "16": ("Từ chối thu hồi/cập nhật", "Refused recall or update"),
}


def pick(table: dict[str, tuple[str, str]], key: str, language: str) -> str:
    pair = table.get(key)
    if pair is None:
        return key
    return pair[LANGUAGES.index(language) if language in LANGUAGES else 0]


class Translator:
    """``t("key", name=value)`` in one language; the other tables by name."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT

    def __call__(self, key: str, **values: object) -> str:
        text = pick(_T, key, self.language)
        return text.format(**values) if values else text

    def role(self, key: str) -> str:
        return pick(ROLES, key, self.language)

    def state(self, key: str) -> str:
        return pick(STATES, key, self.language)

    def action(self, key: str) -> str:
        return pick(ACTIONS, key, self.language)

    def status_code(self, key: str | None) -> str:
        return "—" if not key else f"{key} · {pick(STATUS_CODES, key, self.language)}"


def format_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy; a date-time is shown as the Vietnam calendar day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _vietnam(value).date()
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None, seconds: bool = False) -> str:
    if value is None:
        return ""
    return _vietnam(value).strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def _vietnam(value: datetime) -> datetime:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(VIETNAM_TIME)


def parse_date(text: str) -> date | None:
    """dd/mm/yyyy (also d/m/yyyy) → date; empty → None; anything else → InvalidInput."""
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        raise InvalidInput(f"not a dd/mm/yyyy date: {text!r}") from None
