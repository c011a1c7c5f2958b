/*
 * Smart-City-Atlas assistant: a chat button and panel for any web page.
 *
 *   <script src="https://YOUR-SERVER/widget.js" data-title="Fragen zum Smart-City-Atlas"
 *           data-lang="de" data-color="#0b5cad" defer></script>
 *
 * Attributes (all optional): data-title, data-lang ("de" | "en": the panel's language and the answers'),
 * data-color (any CSS colour), data-key (an API key, if the server requires one; it is visible in the
 * page, so give the widget its own key), data-api (the server, default: where this script came from),
 * data-mode ("button", default, or "inline": the panel fills its container; used by /embed).
 *
 * Everything lives in a shadow root, so the host page's styles do not reach the widget and the
 * widget's styles do not reach the page. Answers are rendered as text, never as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script) { return; }
  var data = script.dataset || {};
  var params = new URLSearchParams(window.location.search);
  var inline = data.mode === "inline";
  // The /embed page passes its settings in its own URL: /embed?title=...&lang=en&color=%230b5cad
  function option(name) { return (inline && params.get(name)) || data[name] || ""; }

  var TEXT = {
    de: { title: "Fragen zum Smart-City-Atlas", open: "Chat öffnen", close: "Schließen",
          placeholder: "Ihre Frage …", send: "Senden", sources: "Quellen", thinking: "Suche im Atlas …",
          intro: "Fragen Sie nach den 50 Städten des Smart-City-Atlas (2019). Jede Antwort nennt ihre Quelle.",
          busy: "Zu viele Fragen in kurzer Zeit. Bitte warten Sie einen Moment.",
          failed: "Der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie es später noch einmal.",
          restart: "Neue Unterhaltung" },
    en: { title: "Ask the Smart-City-Atlas", open: "Open chat", close: "Close",
          placeholder: "Your question …", send: "Send", sources: "Sources", thinking: "Searching the atlas …",
          intro: "Ask about the 50 cities of the Smart-City-Atlas (2019). Every answer cites its source.",
          busy: "Too many questions in a short time. Please wait a moment.",
          failed: "The assistant cannot be reached right now. Please try again later.",
          restart: "New conversation" }
  };
  var lang = option("lang") === "en" ? "en" : (option("lang") === "de" ? "de" : null);
  var t = TEXT[lang || "de"];
  var title = option("title") || t.title;
  var color = option("color");
  if (!color || !(window.CSS && CSS.supports("color", color))) { color = "#0b5cad"; }
  var api = (data.api || new URL(script.src, window.location.href).origin).replace(/\/+$/, "");
  var key = option("key");
  var conversationId = null;

  var CSS_TEXT = [
    ":host { all: initial; }",
    ".root { all: initial; --accent: " + color + "; font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;",
    "  color: #1f2328; }",
    // :where() keeps this reset at zero specificity, so every rule below wins over it
    ":where(.root) *, :where(.root) *::before, :where(.root) *::after { box-sizing: border-box; font: inherit;",
    "  color: inherit; margin: 0; padding: 0; }",
    ".launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; display: flex; align-items: center; gap: 8px;",
    "  border: 0; border-radius: 999px; padding: 12px 18px; background: var(--accent); color: #fff; cursor: pointer;",
    "  box-shadow: 0 4px 14px rgba(0,0,0,.25); font-weight: 600; }",
    ".launcher:focus-visible, button:focus-visible, textarea:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }",
    ".panel { position: fixed; right: 20px; bottom: 84px; z-index: 2147483001; width: min(400px, calc(100vw - 40px));",
    "  height: min(560px, calc(100vh - 110px)); display: flex; flex-direction: column; background: #fff;",
    "  border: 1px solid #d0d7de; border-radius: 12px; box-shadow: 0 10px 30px rgba(0,0,0,.25); overflow: hidden; }",
    ".panel[hidden] { display: none; }",
    ".inline .panel { position: static; width: 100%; height: 100vh; border: 0; border-radius: 0; box-shadow: none; }",
    "header { display: flex; align-items: center; gap: 8px; padding: 10px 14px; background: var(--accent); color: #fff; }",
    "header h2 { flex: 1; font-size: 16px; font-weight: 600; }",
    "header button { border: 0; background: transparent; color: #fff; cursor: pointer; font-size: 13px; padding: 4px 6px;",
    "  border-radius: 6px; text-decoration: underline; }",
    ".log { flex: 1; overflow-y: auto; padding: 12px 14px; display: flex; flex-direction: column; gap: 10px; background: #f6f8fa; }",
    ".msg { max-width: 92%; padding: 8px 11px; border-radius: 10px; white-space: pre-wrap; overflow-wrap: anywhere; }",
    ".user { align-self: flex-end; background: var(--accent); color: #fff; }",
    ".bot { align-self: flex-start; background: #fff; border: 1px solid #d0d7de; }",
    ".note { align-self: center; color: #57606a; font-size: 13px; text-align: center; }",
    ".error { align-self: stretch; background: #fff1f0; border: 1px solid #f5c2c0; color: #82071e; }",
    ".sources { margin-top: 8px; padding-top: 6px; border-top: 1px solid #d8dee4; font-size: 13px; }",
    ".sources h3 { font-size: 13px; font-weight: 600; margin-bottom: 4px; }",
    ".sources li { list-style: none; margin: 4px 0; }",
    ".sources b { font-weight: 600; }",
    ".sources q { display: block; color: #57606a; font-style: italic; quotes: '\\201E' '\\201C'; }",
    "form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #d0d7de; background: #fff; }",
    "textarea { flex: 1; resize: none; height: 42px; padding: 9px 10px; border: 1px solid #8c959f; border-radius: 8px; background: #fff; }",
    "form button { border: 0; border-radius: 8px; padding: 0 14px; background: var(--accent); color: #fff; cursor: pointer; font-weight: 600; }",
    "form button:disabled { opacity: .6; cursor: progress; }"
  ].join("\n");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text) { node.textContent = text; }
    return node;
  }

  var host = document.createElement("smart-city-atlas-widget");
  var shadow = host.attachShadow({ mode: "open" });
  var style = document.createElement("style");
  style.textContent = CSS_TEXT;
  var root = el("div", "root" + (inline ? " inline" : ""));
  root.lang = lang || "de";

  var launcher = el("button", "launcher", title);
  launcher.type = "button";
  launcher.setAttribute("aria-label", t.open + ": " + title);
  launcher.setAttribute("aria-expanded", "false");
  var panel = el("section", "panel");
  panel.setAttribute("role", inline ? "region" : "dialog");
  panel.setAttribute("aria-label", title);
  var header = el("header");
  var heading = el("h2", "", title);
  var restart = el("button", "restart", t.restart);
  restart.type = "button";
  var close = el("button", "close", t.close);
  close.type = "button";
  header.append(heading, restart);
  if (!inline) { header.append(close); }
  var log = el("div", "log");
  log.setAttribute("aria-live", "polite");
  log.append(el("p", "msg note", t.intro));
  var form = el("form");
  var input = el("textarea");
  input.name = "question";
  input.placeholder = t.placeholder;
  input.setAttribute("aria-label", t.placeholder);
  input.maxLength = 2000;
  var send = el("button", "send", t.send);
  send.type = "submit";
  form.append(input, send);
  panel.append(header, log, form);
  if (inline) { root.append(panel); } else { panel.hidden = true; root.append(launcher, panel); }
  shadow.append(style, root);

  function setOpen(open) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    if (open) { input.focus(); } else { launcher.focus(); }
  }
  launcher.addEventListener("click", function () { setOpen(panel.hidden); });
  close.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape" && !inline) { setOpen(false); } });
  restart.addEventListener("click", function () {
    conversationId = null;
    log.replaceChildren(el("p", "msg note", t.intro));
    input.focus();
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });

  function showAnswer(body) {
    var box = el("div", "msg bot", body.answer);
    if (body.citations && body.citations.length) {
      var sources = el("div", "sources");
      sources.append(el("h3", "", (body.language === "en" ? TEXT.en : TEXT.de).sources));
      var list = el("ul");
      body.citations.forEach(function (c) {
        var item = el("li");
        item.append(el("b", "", "[" + c.n + "] " + c.source), document.createTextNode(" – " + c.section));
        if (c.quote || c.text) { item.append(el("q", "", c.quote || c.text.slice(0, 300))); }
        list.append(item);
      });
      sources.append(list);
      box.append(sources);
    }
    log.append(box);
  }

  function showError(message) { log.append(el("div", "msg error", message)); }

  async function ask(question) {
    var payload = { question: question };
    if (conversationId) { payload.conversation_id = conversationId; }
    if (lang) { payload.language = lang; }
    var headers = { "Content-Type": "application/json" };
    if (key) { headers.Authorization = "Bearer " + key; }
    var response = await fetch(api + "/api/v1/ask", { method: "POST", headers: headers, body: JSON.stringify(payload) });
    var body = await response.json().catch(function () { return null; });
    if (response.ok && body) { conversationId = body.conversation_id; showAnswer(body); return; }
    if (response.status === 404) { conversationId = null; }
    if (response.status === 429) { showError(t.busy); return; }
    var message = body && body.error && body.error.message;
    showError(response.status < 500 && message ? message : t.failed);
  }

  form.addEventListener("submit", async function (e) {
    e.preventDefault();
    var question = input.value.trim();
    if (!question || send.disabled) { return; }
    log.append(el("div", "msg user", question));
    input.value = "";
    send.disabled = true;
    var wait = el("p", "msg note thinking", t.thinking);
    log.append(wait);
    log.scrollTop = log.scrollHeight;
    try {
      await ask(question);
    } catch (err) {
      showError(t.failed);  // network error, or the server does not allow this site (CORS)
    } finally {
      wait.remove();
      send.disabled = false;
      log.scrollTop = log.scrollHeight;
      input.focus();
    }
  });

  function mount() {
    var target = inline ? (document.getElementById("atlas-chat") || document.body) : document.body;
    target.append(host);
  }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
