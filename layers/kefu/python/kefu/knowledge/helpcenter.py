"""The public help center's pages (``/help/``), rendered on the server in zh-CN or English.

Plain HTML with inline styles and no script: it works without JavaScript, and the page's Content-Security-
Policy allows nothing but its own styles, https images and forms posting back to the help center. Every
value from an article or a query is escaped; article bodies are Markdown rendered and sanitized
(kefu.knowledge.markdown).
"""

from __future__ import annotations

import html
import urllib.parse
from dataclasses import dataclass

from kefu.knowledge import markdown
from kefu.knowledge.models import Article, SearchHit, Votes

PAGE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)

TEXT = {
    "zh-CN": {
        "title": "帮助中心",
        "search": "搜索",
        "placeholder": "输入您的问题，例如：怎么申请退款",
        "categories": "分类",
        "results": "搜索结果",
        "none": "没有找到相关文章。换个说法试试，或联系在线客服。",
        "helpful": "这篇文章有帮助吗？",
        "yes": "有帮助",
        "no": "没帮助",
        "thanks": "感谢您的反馈！",
        "back": "返回帮助中心",
        "other": "English",
        "updated": "更新于",
        "chat": "仍需帮助？联系在线客服",
    },
    "en": {
        "title": "Help Center",
        "search": "Search",
        "placeholder": "Type your question, e.g. how do I get a refund",
        "categories": "Categories",
        "results": "Results",
        "none": "No articles found. Try other words, or chat with us.",
        "helpful": "Was this article helpful?",
        "yes": "Yes",
        "no": "No",
        "thanks": "Thanks for your feedback!",
        "back": "Back to the help center",
        "other": "中文",
        "updated": "Updated",
        "chat": "Still need help? Chat with us",
    },
}
CATEGORY_NAMES = {
    "zh-CN": {
        "orders": "订单", "shipping": "物流配送", "returns": "退换货", "refunds": "退款", "payments": "支付",
        "account": "账号与安全", "membership": "会员", "invoices": "发票", "billing": "账单与订阅",
        "integrations": "集成", "product": "产品使用", "promotions": "优惠活动", "privacy": "隐私",
    },
    "en": {
        "orders": "Orders", "shipping": "Shipping", "returns": "Returns", "refunds": "Refunds", "payments": "Payments",
        "account": "Account & security", "membership": "Membership", "invoices": "Invoices",
        "billing": "Billing & plans", "integrations": "Integrations", "product": "Using the product",
        "promotions": "Promotions", "privacy": "Privacy",
    },
}  # fmt: skip


def page_locale(requested: str | None, accept_language: str | None) -> str:
    if requested in TEXT:
        return str(requested)
    if requested and requested.lower().startswith("zh"):
        return "zh-CN"
    if requested:
        return "en"
    first = (accept_language or "").split(",")[0].strip().lower()
    return "zh-CN" if first.startswith("zh") else "en"


@dataclass
class Links:
    base: str  # the help center's own path, "/help/" (or a stage-prefixed one)
    chat_url: str | None = None

    def home(self, locale: str, **params: str) -> str:
        return f"{self.base}?{urllib.parse.urlencode({'locale': locale, **params})}"

    def article(self, article_id: str, locale: str) -> str:
        return self.home(locale, article=article_id)

    def vote(self, article_id: str) -> str:
        return f"{self.base}articles/{urllib.parse.quote(article_id)}/helpful"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _frame(locale: str, title: str, content: str, links: Links, other: str) -> str:
    t = TEXT[locale]
    lang = "zh-CN" if locale == "zh-CN" else "en"
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>
body{{font-family:system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;color:#1f2933;background:#f5f7fa}}
header{{background:#1d4ed8;color:#fff;padding:24px 16px}} header a{{color:#fff}}
main{{max-width:760px;margin:0 auto;padding:16px}} .card{{background:#fff;border-radius:8px;padding:16px;margin:12px 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}}
form.search{{display:flex;gap:8px;max-width:760px;margin:12px auto 0}} form.search input{{flex:1;padding:10px;font-size:16px;border-radius:6px;border:0}}
button{{padding:8px 14px;border-radius:6px;border:1px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer}}
button.secondary{{background:#fff;color:#1d4ed8}} mark{{background:#fde68a}} .muted{{color:#616e7c;font-size:14px}}
nav.lang{{float:right}} ul.categories{{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:8px}} ul.categories a{{display:block;padding:6px 10px;background:#fff;border-radius:16px;text-decoration:none}}
article img{{max-width:100%}} table{{border-collapse:collapse}} td,th{{border:1px solid #cbd2d9;padding:4px 8px}}
</style></head>
<body><header><nav class="lang"><a href="{_e(other)}">{_e(t["other"])}</a></nav>
<a href="{_e(links.home(locale))}"><strong>{_e(t["title"])}</strong></a>
<form class="search" method="get" action="{_e(links.base)}"><input type="hidden" name="locale" value="{_e(locale)}">
<input type="search" name="q" aria-label="{_e(t["search"])}" placeholder="{_e(t["placeholder"])}" maxlength="500">
<button type="submit">{_e(t["search"])}</button></form></header>
<main>{content}{_chat(locale, links)}</main></body></html>"""


def _chat(locale: str, links: Links) -> str:
    if not links.chat_url:
        return ""
    return f'<p class="muted"><a href="{_e(links.chat_url)}">{_e(TEXT[locale]["chat"])}</a></p>'


def category_name(category: str, locale: str) -> str:
    return CATEGORY_NAMES.get(locale, {}).get(category, category.replace("_", " ").replace("-", " "))


def home_page(locale: str, categories: list[tuple[str, int]], links: Links) -> str:
    t = TEXT[locale]
    items = "".join(
        f'<li><a href="{_e(links.home(locale, category=name))}">{_e(category_name(name, locale))} '
        f'<span class="muted">{count}</span></a></li>'
        for name, count in categories
    )
    content = f'<h2>{_e(t["categories"])}</h2><ul class="categories">{items}</ul>'
    other = "en" if locale == "zh-CN" else "zh-CN"
    return _frame(locale, t["title"], content, links, links.home(other))


def results_page(locale: str, heading: str, hits: list[SearchHit], links: Links, other: str) -> str:
    t = TEXT[locale]
    if hits:
        # snippets are already safe HTML (the article's text escaped, matches in <mark>)
        body = "".join(
            f'<div class="card"><a href="{_e(links.article(h.id, locale))}"><strong>{_e(h.title)}</strong></a>'
            f'<p class="muted">{h.snippet}</p></div>'
            for h in hits
        )
    else:
        body = f"<p>{_e(t['none'])}</p>"
    return _frame(locale, f"{heading} - {t['title']}", f"<h2>{_e(heading)}</h2>{body}", links, other)


def article_page(article: Article, votes: Votes, links: Links, *, voted: bool = False) -> str:
    locale = "zh-CN" if article.locale.lower().startswith("zh") else "en"
    t = TEXT[locale]
    feedback = (
        f"<p><strong>{_e(t['thanks'])}</strong></p>"
        if voted
        else f"""<form method="post" action="{_e(links.vote(article.id))}"><p>{_e(t["helpful"])}</p>
<button type="submit" name="helpful" value="true">{_e(t["yes"])}</button>
<button class="secondary" type="submit" name="helpful" value="false">{_e(t["no"])}</button></form>"""
    )
    content = f"""<p><a href="{_e(links.home(locale))}">← {_e(t["back"])}</a></p>
<article class="card"><h1>{_e(article.title)}</h1>
<p class="muted">{_e(category_name(article.category, locale)) + " · " if article.category else ""}{_e(t["updated"])} {_e(article.updated_at[:10])}</p>
{markdown.to_html(article.body)}</article>
<div class="card">{feedback}<p class="muted">👍 {votes.helpful} · 👎 {votes.not_helpful}</p></div>"""
    other = "en" if locale == "zh-CN" else "zh-CN"
    return _frame(locale, f"{article.title} - {t['title']}", content, links, links.home(other))
