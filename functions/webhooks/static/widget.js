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
 * /chat/{inbox}/messages, POST .../attachments, .../typing, .../rating) with a bearer session token, never a
 * cookie. Messages typed while offline wait in
 * localStorage and are sent when the connection returns; each carries a client_message_id, so a message sent
 * twice (a lost answer, a reload mid-send) is stored once.
 */
(function () {
  "use strict";

  /** @typedef {{name?: string | null, content_type?: string | null, size?: number | null, url?: string | null}} ServerFile */
  /** @typedef {{label: string, text: string, value: string}} Choice */
  /** @typedef {{id: string, author_type: string, body: string, created_at: string, client_message_id?: string | null, kind?: string, attachments?: ServerFile[], choices?: Choice[]}} ServerMessage */
  /** @typedef {{client_message_id: string, text: string, created_at: string, state: "uploading" | "queued" | "sending" | "sent" | "failed", error?: string, attachments?: string[], file?: string}} PendingMessage */
  /** @typedef {{available: boolean, rating: number | null}} Rating */
  /** @typedef {{token: string | null, ticketId: string | null, cursor: string | null, messages: ServerMessage[], outbox: PendingMessage[], rating?: Rating | null}} State */

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
      attach: "Send an image",
      image: "Image",
      imageOnly: "Only images up to 4 MB can be sent here.",
      uploading: "Uploading…",
      typing: "Support is typing…",
      solved: "Did this solve it?",
      rate: "How was our service? Rate it from 1 to 5.",
      star: "{n} of 5",
      comment: "Anything to add? (optional)",
      submit: "Send rating",
      rated: "Thank you! You rated us {n} of 5.",
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
      attach: "发送图片",
      image: "图片",
      imageOnly: "这里只能发送 4 MB 以内的图片。",
      uploading: "上传中…",
      typing: "客服正在输入…",
      solved: "这解决您的问题了吗？",
      rate: "您对本次服务满意吗？请打 1 到 5 分。",
      star: "{n} 分",
      comment: "还有什么想说的吗？（选填）",
      submit: "提交评价",
      rated: "感谢您的评价：{n} 分。",
    },
  };
  const MAX_TEXT = 5000; // the chat API's limit (kefu.services.chat.MAX_TEXT)
  const POLL_OPEN_MS = 2000;
  const POLL_CLOSED_MS = 10000;
  const POLL_HIDDEN_MS = 30000;
  const RETRY_MAX_MS = 30000;
  const MAX_IMAGE_BYTES = 4 * 1024 * 1024; // the chat API's limit (kefu.services.media.UPLOAD_MAX_BYTES)
  const TYPING_EVERY_MS = 3000; // the customer's typing is told at most this often

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
  let agentTyping = false;
  let lastTyping = 0;

  /** @returns {State} */
  function load() {
    const empty = { token: null, ticketId: null, cursor: null, messages: [], outbox: [] };
    try {
      const raw = window.localStorage.getItem(storageKey);
      if (!raw) return empty;
      const saved = JSON.parse(raw);
      // A message that was being sent when the page closed may or may not have arrived: send it again
      // (the client_message_id makes a second copy impossible).
      const outbox = (saved.outbox || [])
        .filter(/** @param {PendingMessage} m */ (m) => m.state !== "uploading") // its bytes were never kept
        .map(/** @param {PendingMessage} m */ (m) => (m.state === "sending" ? { ...m, state: "queued" } : m));
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
        if (pending.state === "sent" || pending.state === "failed" || pending.state === "uploading") continue;
        if (!online) return;
        pending.state = "sending";
        render();
        try {
          await ensureSession();
          const message = { text: pending.text, client_message_id: pending.client_message_id, attachments: pending.attachments };
          let answer = await call("POST", `/chat/${encodeURIComponent(inbox)}/messages`, message);
          if (answer.status === 401 && !pending.attachments) {
            // The session is gone (expired or the inbox was reset): start a new one and send again. (An image
            // belongs to the old session's upload, so it is shown as not sent instead.)
            state.token = null;
            await ensureSession();
            answer = await call("POST", `/chat/${encodeURIComponent(inbox)}/messages`, message);
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
      const changed = Boolean(page.agent_typing) !== agentTyping || JSON.stringify(page.rating || null) !== JSON.stringify(state.rating || null);
      agentTyping = Boolean(page.agent_typing);
      state.rating = page.rating || null;
      save();
      if (arrived || stored.size || changed) render();
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

  /** Uploads one image, then sends it as a message (through the outbox, like text). @param {File} file */
  async function sendImage(file) {
    if (!file.type.startsWith("image/") || file.size > MAX_IMAGE_BYTES) {
      status(t.imageOnly);
      return;
    }
    /** @type {PendingMessage} */
    const pending = { client_message_id: newId(), text: "", created_at: new Date().toISOString(), state: "uploading", file: file.name };
    state.outbox.push(pending);
    render();
    try {
      await ensureSession();
      const data = await new Promise((resolve, reject) => {
        const reader = new FileReader();
        reader.onload = () => resolve(String(reader.result).split(",")[1] || "");
        reader.onerror = () => reject(reader.error);
        reader.readAsDataURL(file);
      });
      const answer = await call("POST", `/chat/${encodeURIComponent(inbox)}/attachments`, { name: file.name, content_type: file.type, data });
      if (!answer.ok) throw new HttpError(answer.status, await reason(answer));
      pending.attachments = [(await answer.json()).id];
      pending.state = "queued";
    } catch (error) {
      pending.state = "failed";
      pending.error = error instanceof Error ? error.message : String(error);
    }
    save();
    render();
    void flush();
  }

  function tellTyping() {
    const now = Date.now();
    if (!state.token || !online || now - lastTyping < TYPING_EVERY_MS) return;
    lastTyping = now;
    call("POST", `/chat/${encodeURIComponent(inbox)}/typing`, {}).catch(() => undefined);
  }

  /** @param {number} rating @param {string} comment */
  async function rate(rating, comment) {
    try {
      const answer = await call("POST", `/chat/${encodeURIComponent(inbox)}/rating`, comment ? { rating, comment } : { rating });
      if (answer.ok || answer.status === 409) state.rating = { available: false, rating: answer.ok ? rating : (state.rating && state.rating.rating) || null };
      else status(await reason(answer));
    } catch {
      status(t.reconnecting);
    }
    save();
    render();
    schedulePoll(0);
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
.msg img { display: block; max-width: 100%; max-height: 220px; border-radius: 8px; margin-top: 4px; }
.msg a { color: inherit; }
.card { align-self: flex-start; display: flex; flex-wrap: wrap; gap: 6px; align-items: center; max-width: 92%; padding: 8px 10px;
  background: #fff; border: 1px solid #d0d7de; border-radius: 10px; }
.card p { margin: 0 0 2px; width: 100%; }
.card button { padding: 5px 12px; border: 1px solid #1f6feb; border-radius: 14px; background: #fff; color: #1f6feb; cursor: pointer; font-size: 13px; }
.card textarea { width: 100%; height: 48px; }
.typing { font-size: 12px; color: #57606a; }
form .attach { background: #fff; color: #1f6feb; border: 1px solid #8c959f; padding: 0 10px; font-size: 18px; }
input[type=file] { display: none; }
@media (max-width: 480px) { .panel { right: 0; bottom: 0; width: 100vw; height: 100vh; border-radius: 0; } }
</style>
<button class="launcher" type="button" part="launcher" data-testid="kefu-launcher" aria-expanded="false"><svg width="28" height="28" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z"/></svg><span class="badge" hidden></span></button>
<section class="panel" role="dialog" aria-modal="false" data-testid="kefu-panel" hidden>
  <header><h2></h2><a class="help" data-testid="kefu-help" target="_blank" rel="noopener"></a><button type="button" class="close" data-testid="kefu-close">×</button></header>
  <div class="log" role="log" aria-live="polite" data-testid="kefu-log"></div>
  <div class="status" role="status" data-testid="kefu-status" hidden></div>
  <form data-testid="kefu-form">
    <button type="button" class="attach" data-testid="kefu-attach">+</button><input type="file" accept="image/*" data-testid="kefu-file">
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
  $("form button[type=submit]").textContent = t.send;
  const attach = $(".attach");
  const fileInput = /** @type {HTMLInputElement} */ ($("input[type=file]"));
  attach.setAttribute("aria-label", t.attach);
  attach.title = t.attach;
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

  /** A stored message: its text, then its files (images shown, others as download links) through the API's
   * short-lived links. @param {ServerMessage} m */
  function serverBubble(m) {
    const item = bubble(m.author_type, m.body, m.created_at);
    item.setAttribute("data-kind", m.kind || "text");
    const meta = /** @type {HTMLElement} */ (item.querySelector(".meta"));
    for (const file of m.attachments || []) {
      if (!file.url) continue;
      const link = document.createElement("a");
      link.href = file.url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      if ((file.content_type || "").startsWith("image/")) {
        const image = document.createElement("img");
        image.src = file.url;
        image.alt = file.name || t.image;
        image.setAttribute("data-testid", "kefu-image");
        link.append(image);
      } else {
        link.textContent = file.name || "file";
        link.setAttribute("data-testid", "kefu-file-link");
      }
      item.insertBefore(link, meta);
    }
    return item;
  }

  /** The "did this solve it?" card under the bot's latest answer, while the customer has not answered it.
   * @param {ServerMessage} m */
  function solvedCard(m) {
    const card = document.createElement("div");
    card.className = "card";
    card.setAttribute("data-testid", "kefu-solved-card");
    card.setAttribute("role", "group");
    card.setAttribute("aria-label", t.solved);
    for (const choice of m.choices || []) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = choice.label;
      button.setAttribute("data-testid", "kefu-choice");
      button.setAttribute("data-value", choice.value);
      button.addEventListener("click", () => send(choice.text));
      card.append(button);
    }
    return card;
  }

  /** The satisfaction card once the conversation is resolved (once per ticket), then the thanks. */
  function ratingCard() {
    const card = document.createElement("div");
    card.className = "card";
    card.setAttribute("data-testid", "kefu-rating-card");
    const rated = state.rating && state.rating.rating;
    const text = document.createElement("p");
    text.textContent = rated ? t.rated.replace("{n}", String(rated)) : t.rate;
    card.append(text);
    if (rated) return card;
    card.setAttribute("role", "group");
    card.setAttribute("aria-label", t.rate);
    const comment = document.createElement("textarea");
    comment.setAttribute("aria-label", t.comment);
    comment.placeholder = t.comment;
    comment.maxLength = 1000;
    for (let n = 1; n <= 5; n += 1) {
      const star = document.createElement("button");
      star.type = "button";
      star.textContent = "★".repeat(n);
      star.setAttribute("aria-label", t.star.replace("{n}", String(n)));
      star.setAttribute("data-testid", "kefu-star");
      star.addEventListener("click", () => void rate(n, comment.value.trim()));
      card.append(star);
    }
    card.append(comment);
    return card;
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
    const nodes = state.messages.map(serverBubble);
    const last = state.messages[state.messages.length - 1];
    if (last && last.kind === "asks_solved" && last.choices && !state.outbox.some((m) => m.state !== "failed" && !stored.has(m.client_message_id))) {
      nodes.push(solvedCard(last));
    }
    for (const pending of state.outbox) {
      if (stored.has(pending.client_message_id)) continue;
      const text = pending.file ? `${t.image}: ${pending.file}` : pending.text;
      const node = bubble("customer", text, pending.created_at, pending.state === "failed" ? "failed" : "pending");
      node.setAttribute("data-state", pending.state);
      const meta = /** @type {HTMLElement} */ (node.querySelector(".meta"));
      meta.textContent = pending.state === "failed" ? `${t.failed}: ${pending.error || ""}` : pending.state === "sending" ? t.sending : pending.state === "queued" ? t.queued : pending.state === "uploading" ? t.uploading : meta.textContent;
      nodes.push(node);
    }
    if (state.rating && (state.rating.available || state.rating.rating)) nodes.push(ratingCard());
    if (agentTyping) {
      const typing = document.createElement("p");
      typing.className = "typing";
      typing.setAttribute("data-testid", "kefu-typing");
      typing.textContent = t.typing;
      nodes.push(typing);
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
  input.addEventListener("input", () => {
    if (input.value.trim()) tellTyping();
  });
  attach.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", () => {
    const file = fileInput.files && fileInput.files[0];
    fileInput.value = "";
    if (file) void sendImage(file);
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
