"""The sign-agent's own confirmation page (served by the agent on loopback, not by the hub):
the document as the person is about to sign it, the PIN, and two buttons. No script at all."""

from __future__ import annotations

from html import escape

from signing.agent.approval import Approval

#: the page may show its own image and post its own form, nothing else; never in a frame
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # no-referrer would make the form's Origin "null"
    "Cache-Control": "no-store",
}

_STYLE = ("body{font-family:sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}"
          "dt{font-weight:bold}dd{margin:0 0 .6rem}img{max-width:100%;border:1px solid #888}"
          "code{word-break:break-all}.error{color:#a00;font-weight:bold}"
          "button{font-size:1.1rem;margin:.5rem .5rem 0 0;padding:.4rem 1rem}")


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="vi"><head><meta charset="utf-8">'
            f"<title>{escape(title)} · edochub sign-agent</title><style>{_STYLE}</style>"
            f"</head><body><h1>{escape(title)}</h1>{body}</body></html>")


def confirmation(approval: Approval, signer: str, pin_configured: bool,
                 problem: str = "") -> str:
    shown = approval.shown
    pin_help = ("Để trống để dùng PIN đã cấu hình cho sign-agent." if pin_configured
                else "Nhập PIN của USB token (Enter the token's PIN).")
    error = f'<p class="error" role="alert">{escape(problem)}</p>' if problem else ""
    return _page("Xác nhận ký số (Confirm signing)", f"""
<p>Trang của hub đề nghị ký văn bản dưới đây bằng khóa của <strong>{escape(signer)}</strong>.
Chỉ ký khi đúng văn bản bạn đã duyệt. (The hub's page asks to sign this document with your
key; sign only if it is the document you approved.)</p>
{error}
<dl>
<dt>Cơ quan (Organization)</dt><dd data-testid="organization">{escape(shown.organization)}</dd>
<dt>Số, ký hiệu (Number/notation)</dt><dd data-testid="number">{escape(shown.number)}</dd>
<dt>Trích yếu (Subject)</dt><dd data-testid="subject">{escape(shown.subject)}</dd>
<dt>SHA-256 của văn bản (of the document)</dt>
<dd><code data-testid="sha256">{approval.sha256}</code></dd>
</dl>
<form method="post" action="/confirm/{approval.id}">
<input type="hidden" name="form" value="{approval.form}">
<p><label for="pin">PIN</label> <input id="pin" name="pin" type="password" autocomplete="off"
 aria-describedby="pin-help"> <small id="pin-help">{escape(pin_help)}</small></p>
<button type="submit" name="decision" value="sign">Xác nhận và ký (Confirm and sign)</button>
<button type="submit" name="decision" value="refuse">Từ chối (Refuse)</button>
</form>
<h2>Trang đầu (First page)</h2>
<img src="/confirm/{approval.id}/page.png" alt="Trang đầu của văn bản (first page)">
""")


def outcome(signed: bool) -> str:
    if signed:
        return _page("Đã ký (Signed)", "<p role=\"status\">Văn bản đã được ký. Quay lại trang "
                     "của hub; trang sẽ tự hoàn tất. (Signed: go back to the hub's page, it "
                     "finishes by itself.)</p>")
    return _page("Đã từ chối (Refused)", "<p role=\"status\">Không ký. (Nothing was "
                 "signed.)</p>")


def gone() -> str:
    return _page("Không còn yêu cầu (No such request)", "<p>Yêu cầu ký này không còn (đã "
                 "xong, hết hạn hoặc không tồn tại). (This signing request is done, expired "
                 "or unknown.)</p>")
