"""The survey's pages at ``/csat/{token}``: bilingual (the customer's language first), plain HTML that works
without JavaScript (the form posts itself back), every value escaped, served under the help center's CSP."""

from __future__ import annotations

import html

from kefu.services.csat import LABELS, LANGUAGES, MAX_COMMENT, SCALE

TEXT = {
    "zh-CN": {
        "title": "满意度评价",
        "question": "您对本次服务满意吗？",
        "comment": "还有什么想告诉我们的吗？（选填）",
        "send": "提交评价",
        "thanks": "感谢您的评价！",
        "followup": "很抱歉没能让您满意，我们的主管会尽快跟进。",
        "rated": "这次对话已经评价过了，感谢您的反馈。",
        "gone": "这个评价链接不存在或已过期。",
        "reopened": "这次对话已重新打开，我们正在继续处理，现在还不能评价。处理完毕后即可评价。",
        "error": "未能提交",
    },
    "en": {
        "title": "How did we do?",
        "question": "How satisfied are you with our help?",
        "comment": "Anything else you would like to tell us? (optional)",
        "send": "Send my answer",
        "thanks": "Thank you for your answer!",
        "followup": "We are sorry we did not do better; a supervisor will follow up soon.",
        "rated": "This conversation has been rated already. Thank you for your feedback.",
        "gone": "This survey link is unknown or has expired.",
        "reopened": "This conversation was reopened and we are working on it again, so it cannot be rated now. "
        "You can rate it once it is resolved.",
        "error": "Not sent",
    },
}
STYLE = (
    'body{font-family:system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;'
    "margin:0;color:#1f2933;background:#f5f7fa}header{background:#1d4ed8;color:#fff;padding:20px 16px}"
    "main{max-width:560px;margin:0 auto;padding:16px}.card{background:#fff;border-radius:8px;padding:16px;"
    "margin:12px 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}fieldset{border:0;padding:0;margin:0}"
    "legend{font-weight:600;margin-bottom:8px}label.choice{display:block;padding:10px;margin:6px 0;"
    "border:1px solid #cbd2d9;border-radius:6px;cursor:pointer}label.choice:focus-within{outline:2px solid "
    "#1d4ed8}textarea{width:100%;box-sizing:border-box;min-height:90px;font:inherit;padding:8px}"
    "button{margin-top:12px;padding:10px 16px;border-radius:6px;border:1px solid #1d4ed8;background:#1d4ed8;"
    "color:#fff;font-size:16px;cursor:pointer}.other{color:#616e7c}header .other{color:#e0e7ff}"
)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _both(language: str, key: str) -> str:
    """One text in the customer's language, then in the other one (marked with its own lang)."""
    first, other = language, next(lang for lang in LANGUAGES if lang != language)
    return f'{_e(TEXT[first][key])} <span class="other" lang="{other}">/ {_e(TEXT[other][key])}</span>'


def _frame(language: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="{_e(language)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(TEXT[language]["title"])}</title><style>{STYLE}</style></head>
<body><header><h1>{_both(language, "title")}</h1></header><main>{body}</main></body></html>"""


def survey_page(language: str) -> str:
    """The question: four choices and an optional comment, posting to the page's own address."""
    first, other = language, next(lang for lang in LANGUAGES if lang != language)
    choices = "".join(
        f'<label class="choice"><input type="radio" name="rating" value="{_e(value)}" required> '
        f'{_e(LABELS[first][value])} <span class="other" lang="{other}">/ {_e(LABELS[other][value])}</span></label>'
        for value in SCALE
    )
    form = (
        f'<form class="card" method="post"><fieldset><legend>{_both(language, "question")}</legend>{choices}'
        f'</fieldset><p><label for="comment">{_both(language, "comment")}</label></p>'
        f'<textarea id="comment" name="comment" maxlength="{MAX_COMMENT}"></textarea>'
        f'<button type="submit">{_e(TEXT[language]["send"])}</button></form>'
    )
    return _frame(language, form)


def message_page(language: str, key: str, detail: str | None = None) -> str:
    """A page that only says something: thanks, rated already, reopened, unknown link, or what was wrong."""
    extra = f"<p>{_e(detail)}</p>" if detail else ""
    return _frame(language, f'<div class="card" role="status"><p>{_both(language, key)}</p>{extra}</div>')
