// @ts-check
/**
 * Kefu chat widget: one <script> tag on any site or in-app web view.
 *
 *   <script src="https://<api>/widget.js" data-inbox="web" async></script>
 *
 * Optional attributes: data-api (the API base; default: where this script came from), data-locale (zh-CN or
 * en; default: the browser's language), data-title, data-name, data-email, data-phone (who the customer is,
 * when the site knows), data-open ("true" opens the panel at load).
 *
 * Plain JavaScript with no dependencies and no build step, so the file served is the file reviewed (type-checked
 * by `tsc` with checkJs). It talks only to the public chat API (POST /chat/{inbox}/sessions, POST and GET
 * /chat/{inbox}/messages) with a bearer session token, never a cookie. Messages typed while offline wait in
 * localStorage and are sent when the connection returns; each carries a client_message_id, so a message sent
 * twice (a lost answer, a reload mid-send) is stored once.
 */
(function () {
  "use strict";

  /** @typedef {{id: string, author_type: string, body: string, created_at: string, client_message_id?: string | null}} ServerMessage */
  /** @typedef {{client_message_id: string, text: string, created_at: string, state: "queued" | "sending" | "sent" | "failed", error?: string}} PendingMessage */
  /** @typedef {{token: string | null, ticketId: string | null, cursor: string | null, messages: ServerMessage[], outbox: PendingMessage[]}} State */

  const STRINGS = {
    en: {
      title: "Chat with us",
      open: "Open the chat",
      close: "Close the chat",
      placeholder: "Type your message…",
      send: "Send",
      empty: "Ask us anything, we usually answer within minutes.",
      you: "You",
      agent: "Support",
      bot: "Assistant",
      queued: "Waiting to send",
      sending: "Sending…",
      failed: "Not sent",
      retry: "Retry",
      offline: "You are offline. Messages will be sent when the connection returns.",
      reconnecting: "Connection lost, retrying…",
      unread: "{n} new messages",
      tooLong: "This message is too long.",
      messages: "Conversation",
      help: "Help Center",
    },
    "zh-CN": {
      title: "在线客服",
      open: "打开客服对话",
      close: "关闭对话",
      placeholder: "请输入消息…",
      send: "发送",
      empty: "有什么可以帮您？我们通常几分钟内回复。",
      you: "我",
      agent: "客服",
      bot: "智能助手",
      queued: "等待发送",
      sending: "发送中…",
      failed: "发送失败",
      retry: "重试",
      offline: "网络已断开，恢复后将自动发送消息。",
      reconnecting: "连接中断，正在重试…",
      unread: "{n} 条新消息",
      tooLong: "消息太长了。",
      messages: "对话记录",
      help: "帮助中心",
    },
  };
  const MAX_TEXT = 5000; // the chat API's limit (kefu.services.chat.MAX_TEXT)
  const POLL_OPEN_MS = 2000;
  const POLL_CLOSED_MS = 10000;
  const POLL_HIDDEN_MS = 30000;
  const RETRY_MAX_MS = 30000;

  const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
  if (!script || /** @type {any} */ (window).KefuWidget) return;
  const data = script.dataset;
  const apiBase = (data.api || script.src.replace(/\/widget\.js(?:[?#].*)?$/, "")).replace(/\/+$/, "");
  const inbox = data.inbox || "web";
  const locale = pickLocale(data.locale || navigator.language || "en");
  const t = STRINGS[locale];
  const storageKey = `kefu-widget:${apiBase}:${inbox}`;

  /** @param {string} wanted @returns {"en" | "zh-CN"} */
  function pickLocale(wanted) {
    return wanted.toLowerCase().startsWith("zh") ? "zh-CN" : "en";
  }

  // ------------------------------------------------------------------ state, kept across reloads
  /** @type {State} */
  const state = load();
  let open = data.open === "true";
  let unread = 0;
  let online = navigator.onLine !== false;
  let failures = 0;
  /** @type {number | undefined} */ let pollTimer;
  /** @type {number | undefined} */ let retryTimer;
  let flushing = false;
  let polling = false;

  /** @returns {State} */
  function load() {
    const empty = { token: null, ticketId: null, cursor: null, messages: [], outbox: [] };
    try {
      const raw = window.localStorage.getItem(storageKey);
      if (!raw) return empty;
      const saved = JSON.parse(raw);
      // A message that was being sent when the page closed may or may not have arrived: send it again
      // (the client_message_id makes a second copy impossible).
      const outbox = (saved.outbox || []).map(
        /** @param {PendingMessage} m */ (m) => (m.state === "sending" ? { ...m, state: "queued" } : m),
      );
      return { ...empty, ...saved, outbox };
    } catch {
      return empty; // storage refused (private mode, quota): the widget still works for this page view
    }
  }

  function save() {
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(state));
    } catch {
      /* nothing to do: the conversation lives on the server, only the offline outbox is at risk */
    }
  }

  // ------------------------------------------------------------------ the chat API
  /**
   * @param {string} method @param {string} path @param {unknown} [body]
   * @returns {Promise<Response>}
   */
  function call(method, path, body) {
    /** @type {Record<string, string>} */
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (state.token) headers["Authorization"] = `Bearer ${state.token}`;
    return fetch(`${apiBase}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  }

  async function ensureSession() {
    if (state.token) return;
    /** @type {Record<string, string>} */
    const profile = { locale };
    for (const field of ["name", "email", "phone"]) {
      const value = data[field];
      if (value) profile[field] = value;
    }
    const answer = await call("POST", `/chat/${encodeURIComponent(inbox)}/sessions`, profile);
    if (!answer.ok) throw new HttpError(answer.status, await reason(answer));
    const session = await answer.json();
    state.token = session.session_token;
    state.ticketId = session.ticket_id || null;
    state.cursor = null;
    save();
  }

  class HttpError extends Error {
    /** @param {number} status @param {string} message */
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  /** @param {Response} answer @returns {Promise<string>} */
  async function reason(answer) {
    try {
      const body = await answer.json();
      return String(body.message || body.error || answer.statusText);
    } catch {
      return answer.statusText;
    }
  }

  /** Sends what waits in the outbox, oldest first; stops at the first failure and retries later. */
  async function flush() {
    if (flushing) return;
    flushing = true;
    try {
      for (const pending of state.outbox) {
        if (pending.state === "sent" || pending.state === "failed") continue;
        if (!online) return;
        pending.state = "sending";
        render();
        try {
          await ensureSession();
          let answer = await call("POST", `/chat/${encodeURIComponent(inbox)}/messages`, {
            text: pending.text,
            client_message_id: pending.client_message_id,
          });
          if (answer.status === 401) {
            // The session is gone (expired or the inbox was reset): start a new one and send again.
            state.token = null;
            await ensureSession();
            answer = await call("POST", `/chat/${encodeURIComponent(inbox)}/messages`, {
              text: pending.text,
              client_message_id: pending.client_message_id,
            });
          }
          if (answer.ok) {
            pending.state = "sent";
            failures = 0;
          } else if (answer.status >= 400 && answer.status < 500 && answer.status !== 408 && answer.status !== 429) {
            pending.state = "failed"; // the API refused this message as it is: sending it again cannot help
            pending.error = await reason(answer);
          } else {
            throw new HttpError(answer.status, answer.statusText);
          }
        } catch {
          if (pending.state === "sending") pending.state = "queued";
          save();
          scheduleRetry();
          return;
        } finally {
          save();
          render();
        }
      }
    } finally {
      flushing = false;
    }
    schedulePoll(300); // show the stored copy soon
  }

  function scheduleRetry() {
    failures += 1;
    window.clearTimeout(retryTimer);
    const delay = Math.min(RETRY_MAX_MS, 1000 * 2 ** Math.min(failures - 1, 5));
    retryTimer = window.setTimeout(() => void flush(), delay);
    render();
  }

  /** Reads what is new in the conversation (agent replies, and our own messages as stored). */
  async function poll() {
    if (polling || !state.token || !online) return;
    polling = true;
    try {
      const query = state.cursor ? `?after=${encodeURIComponent(state.cursor)}` : "";
      const answer = await call("GET", `/chat/${encodeURIComponent(inbox)}/messages${query}`);
      if (answer.status === 401) {
        state.token = null;
        save();
        return;
      }
      if (!answer.ok) throw new HttpError(answer.status, answer.statusText);
      const page = await answer.json();
      const known = new Set(state.messages.map((m) => m.id));
      let arrived = 0;
      for (const item of /** @type {ServerMessage[]} */ (page.items || [])) {
        if (known.has(item.id)) continue;
        state.messages.push(item);
        known.add(item.id);
        if (item.author_type !== "customer") arrived += 1;
      }
      // A queued message that is now stored leaves the outbox: the server's copy is the one shown.
      const stored = new Set(state.messages.map((m) => m.client_message_id).filter(Boolean));
      state.outbox = state.outbox.filter((m) => !(m.state === "sent" && stored.has(m.client_message_id)));
      state.cursor = page.cursor || state.cursor;
      if (!open) unread += arrived;
      failures = 0;
      save();
      if (arrived || stored.size) render();
    } catch {
      failures += 1;
      render();
    } finally {
      polling = false;
    }
  }

  /** @param {number} [delay] */
  function schedulePoll(delay) {
    window.clearTimeout(pollTimer);
    const every = document.hidden ? POLL_HIDDEN_MS : open ? POLL_OPEN_MS : POLL_CLOSED_MS;
    pollTimer = window.setTimeout(async () => {
      await poll();
      schedulePoll();
    }, delay ?? every);
  }

  /** @param {string} text */
  function send(text) {
    const body = text.trim();
    if (!body) return false;
    if (body.length > MAX_TEXT) {
      status(t.tooLong);
      return false;
    }
    state.outbox.push({ client_message_id: newId(), text: body, created_at: new Date().toISOString(), state: "queued" });
    save();
    render();
    void flush();
    return true;
  }

  /** @returns {string} */
  function newId() {
    // randomUUID needs a secure context (https or localhost); getRandomValues works on plain http too.
    if (typeof window.crypto.randomUUID === "function" && window.isSecureContext) return window.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // ------------------------------------------------------------------ the view (in a shadow root: the host
  // page's styles cannot break it and ours cannot leak out)
  const host = document.createElement("div");
  host.setAttribute("data-kefu-widget", "");
  const root = host.attachShadow({ mode: "open" });
  root.innerHTML = `
<style>
:host { all: initial; }
* { box-sizing: border-box; font-family: system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; }
.launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; width: 56px; height: 56px; border-radius: 50%;
  border: 0; background: #1f6feb; color: #fff; cursor: pointer; display: grid; place-items: center; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
.launcher:focus-visible, button:focus-visible, textarea:focus-visible { outline: 3px solid #f0b400; outline-offset: 2px; }
.badge { position: absolute; top: -4px; right: -4px; min-width: 22px; height: 22px; padding: 0 6px; border-radius: 11px;
  background: #d1242f; color: #fff; font-size: 12px; line-height: 22px; }
.panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483000; width: min(370px, calc(100vw - 24px));
  height: min(560px, calc(100vh - 110px)); display: flex; flex-direction: column; background: #fff; color: #1f2328;
  border-radius: 12px; box-shadow: 0 8px 30px rgba(0,0,0,.25); overflow: hidden; font-size: 14px; }
.panel[hidden] { display: none; }
header { display: flex; align-items: center; justify-content: space-between; padding: 12px 14px; background: #1f6feb; color: #fff; }
header h2 { margin: 0; font-size: 16px; font-weight: 600; }
header a.help { margin-left: auto; margin-right: 10px; color: #fff; font-size: 13px; }
header button { background: transparent; border: 0; color: #fff; font-size: 22px; cursor: pointer; line-height: 1; }
.log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; background: #f6f8fa; }
.empty { color: #57606a; text-align: center; margin: auto 0; }
.msg { max-width: 82%; padding: 8px 11px; border-radius: 12px; white-space: pre-wrap; word-wrap: break-word; }
.msg.customer { align-self: flex-end; background: #1f6feb; color: #fff; border-bottom-right-radius: 3px; }
.msg.agent, .msg.bot, .msg.system { align-self: flex-start; background: #fff; border: 1px solid #d0d7de; border-bottom-left-radius: 3px; }
.meta { display: block; font-size: 11px; opacity: .8; margin-top: 3px; }
.msg.pending { opacity: .75; }
.msg.failed { background: #ffebe9; color: #82071e; border: 1px solid #ff8182; }
.msg.failed button { margin-left: 6px; font-size: 11px; }
.status { padding: 6px 12px; font-size: 12px; background: #fff8c5; color: #4d2d00; }
.status[hidden] { display: none; }
form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #d0d7de; background: #fff; }
textarea { flex: 1; resize: none; height: 42px; max-height: 120px; padding: 10px; border: 1px solid #8c959f; border-radius: 8px; font-size: 14px; }
form button { padding: 0 14px; border: 0; border-radius: 8px; background: #1f6feb; color: #fff; font-size: 14px; cursor: pointer; }
@media (max-width: 480px) { .panel { right: 0; bottom: 0; width: 100vw; height: 100vh; border-radius: 0; } }
</style>
<button class="launcher" type="button" part="launcher" data-testid="kefu-launcher" aria-expanded="false"><svg width="28" height="28" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z"/></svg><span class="badge" hidden></span></button>
<section class="panel" role="dialog" aria-modal="false" data-testid="kefu-panel" hidden>
  <header><h2></h2><a class="help" data-testid="kefu-help" target="_blank" rel="noopener"></a><button type="button" class="close" data-testid="kefu-close">×</button></header>
  <div class="log" role="log" aria-live="polite" data-testid="kefu-log"></div>
  <div class="status" role="status" data-testid="kefu-status" hidden></div>
  <form data-testid="kefu-form">
    <textarea data-testid="kefu-input" rows="1"></textarea>
    <button type="submit" data-testid="kefu-send"></button>
  </form>
</section>`;
  const $ = /** @param {string} selector */ (selector) => /** @type {HTMLElement} */ (root.querySelector(selector));
  const launcher = /** @type {HTMLButtonElement} */ ($(".launcher"));
  const badge = $(".badge");
  const panel = $(".panel");
  const log = $(".log");
  const statusLine = $(".status");
  const form = /** @type {HTMLFormElement} */ ($("form"));
  const input = /** @type {HTMLTextAreaElement} */ ($("textarea"));
  const title = data.title || t.title;
  $("h2").textContent = title;
  panel.setAttribute("aria-label", title);
  panel.lang = locale;
  launcher.setAttribute("aria-label", t.open);
  $(".close").setAttribute("aria-label", t.close);
  log.setAttribute("aria-label", t.messages);
  input.placeholder = t.placeholder;
  input.setAttribute("aria-label", t.placeholder);
  input.maxLength = MAX_TEXT;
  $("form button").textContent = t.send;
  // the help center answers many questions before anyone writes (docs/knowledge-base.md)
  const helpLink = /** @type {HTMLAnchorElement} */ ($("a.help"));
  helpLink.textContent = t.help;
  helpLink.href = `${apiBase}/help/?locale=${encodeURIComponent(locale)}`;

  const timeFormat = new Intl.DateTimeFormat(locale, { hour: "2-digit", minute: "2-digit" });

  /** @param {string} text */
  function status(text) {
    statusLine.textContent = text;
    statusLine.hidden = !text;
  }

  /** @param {string} author @param {string} body @param {string} createdAt @param {string} [extraClass] */
  function bubble(author, body, createdAt, extraClass) {
    const item = document.createElement("div");
    item.className = `msg ${author}${extraClass ? ` ${extraClass}` : ""}`;
    item.setAttribute("data-testid", "kefu-message");
    item.setAttribute("data-author-type", author);
    item.textContent = body; // text only: what a customer or agent typed is never parsed as HTML
    const meta = document.createElement("span");
    meta.className = "meta";
    const who = author === "customer" ? t.you : author === "bot" ? t.bot : t.agent;
    const when = new Date(createdAt);
    meta.textContent = Number.isNaN(when.getTime()) ? who : `${who} · ${timeFormat.format(when)}`;
    item.append(meta);
    return item;
  }

  function render() {
    launcher.setAttribute("aria-expanded", String(open));
    panel.hidden = !open;
    badge.hidden = open || unread === 0;
    badge.textContent = unread > 99 ? "99+" : String(unread);
    launcher.setAttribute("aria-label", unread && !open ? `${t.open} (${t.unread.replace("{n}", String(unread))})` : t.open);
    if (!open) return;
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    const stored = new Set(state.messages.map((m) => m.client_message_id).filter(Boolean));
    const nodes = state.messages.map((m) => bubble(m.author_type, m.body, m.created_at));
    for (const pending of state.outbox) {
      if (stored.has(pending.client_message_id)) continue;
      const node = bubble("customer", pending.text, pending.created_at, pending.state === "failed" ? "failed" : "pending");
      node.setAttribute("data-state", pending.state);
      const meta = /** @type {HTMLElement} */ (node.querySelector(".meta"));
      meta.textContent = pending.state === "failed" ? `${t.failed}: ${pending.error || ""}` : pending.state === "sending" ? t.sending : pending.state === "queued" ? t.queued : meta.textContent;
      nodes.push(node);
    }
    if (nodes.length === 0) {
      const empty = document.createElement("p");
      empty.className = "empty";
      empty.textContent = t.empty;
      nodes.push(empty);
    }
    log.replaceChildren(...nodes);
    if (atBottom) log.scrollTop = log.scrollHeight;
    status(!online ? t.offline : failures > 0 && state.outbox.some((m) => m.state === "queued") ? t.reconnecting : "");
  }

  /** @param {boolean} wanted */
  function setOpen(wanted) {
    open = wanted;
    if (open) unread = 0;
    render();
    if (open) {
      log.scrollTop = log.scrollHeight;
      input.focus();
    }
    schedulePoll(open ? 0 : undefined);
  }

  launcher.addEventListener("click", () => setOpen(!open));
  $(".close").addEventListener("click", () => {
    setOpen(false);
    launcher.focus();
  });
  root.addEventListener("keydown", (event) => {
    const key = /** @type {KeyboardEvent} */ (event);
    if (key.key === "Escape" && open) {
      setOpen(false);
      launcher.focus();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (send(input.value)) input.value = "";
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault(); // Enter sends; Shift+Enter is a new line; an IME composition keeps its Enter
      form.requestSubmit();
    }
  });
  window.addEventListener("online", () => {
    online = true;
    failures = 0;
    render();
    void flush();
    schedulePoll(0);
  });
  window.addEventListener("offline", () => {
    online = false;
    render();
  });
  document.addEventListener("visibilitychange", () => schedulePoll(document.hidden ? undefined : 0));
  window.addEventListener("storage", (event) => {
    // Another tab of the same site sent or received: take its view of the conversation.
    if (event.key !== storageKey) return;
    Object.assign(state, load());
    render();
  });

  /** The page's own handle: open or close the chat from a link or a button of the site. */
  /** @type {any} */ (window).KefuWidget = {
    open: () => setOpen(true),
    close: () => setOpen(false),
    send: (/** @type {string} */ text) => send(text),
  };

  function mount() {
    document.body.append(host);
    render();
    void flush();
    schedulePoll(0);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });
})();
