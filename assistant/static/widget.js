/*
 * Smart-City-Atlas assistant: a chat button and panel for any web page.
 *
 *   <script src="https://YOUR-SERVER/widget.js" data-title="Fragen zum Smart-City-Atlas"
 *           data-lang="de" data-color="#0b5cad" defer></script>
 *
 * Attributes (all optional): data-title, data-lang ("de" | "en": the panel's language and the answers'),
 * data-color (any CSS colour; one too light for white text on it is darkened until it reaches 4.5:1, with a
 * console warning), data-key (an API key, if the server requires one; it is visible in the page, so give the
 * widget its own key), data-api (the server, default: where this script came from), data-mode ("button",
 * default, or "inline": the panel fills its container and is the page's content, its title the page's h1;
 * used by /embed).
 *
 * Everything lives in a shadow root, so the host page's styles do not reach the widget and the
 * widget's styles do not reach the page. Answers are rendered as text, never as HTML. Accessibility
 * (WCAG 2.1 AA, docs/accessibility.md): keyboard use with visible focus, Escape closes and returns focus to
 * the button, each finished answer is announced once, citations [n] move focus to their source, answers
 * carry their language.
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
          placeholder: "Ihre Frage …", question: "Ihre Frage", send: "Senden", sources: "Quellen",
          thinking: "Suche im Atlas …", conversation: "Unterhaltung",
          intro: "Fragen Sie nach den 50 Städten des Smart-City-Atlas (2019). Jede Antwort nennt ihre Quelle.",
          busy: "Zu viele Fragen in kurzer Zeit. Bitte warten Sie einen Moment.",
          failed: "Der Assistent ist gerade nicht erreichbar. Bitte versuchen Sie es später noch einmal.",
          restart: "Neue Unterhaltung", statement: "Erklärung zur Barrierefreiheit",
          statementPath: "/barrierefreiheit", newWindow: "(öffnet in neuem Fenster)",
          handoff: "Persönliche Hilfe", phone: "Telefon", email: "E-Mail", web: "Web" },
    en: { title: "Ask the Smart-City-Atlas", open: "Open chat", close: "Close",
          placeholder: "Your question …", question: "Your question", send: "Send", sources: "Sources",
          thinking: "Searching the atlas …", conversation: "Conversation",
          intro: "Ask about the 50 cities of the Smart-City-Atlas (2019). Every answer cites its source.",
          busy: "Too many questions in a short time. Please wait a moment.",
          failed: "The assistant cannot be reached right now. Please try again later.",
          restart: "New conversation", statement: "Accessibility statement",
          statementPath: "/accessibility", newWindow: "(opens in a new window)",
          handoff: "Talk to a person", phone: "Phone", email: "E-mail", web: "Web" }
  };
  var DEFAULT_COLOR = "#0b5cad";
  var lang = option("lang") === "en" ? "en" : (option("lang") === "de" ? "de" : null);
  var t = TEXT[lang || "de"];
  var title = option("title") || t.title;
  var color = option("color");
  if (!color || !(window.CSS && CSS.supports("color", color))) { color = DEFAULT_COLOR; }
  color = readableOnWhite(color);
  var api = (data.api || new URL(script.src, window.location.href).origin).replace(/\/+$/, "");
  var key = option("key");
  var conversationId = null;
  var answers = 0;  // numbers the answers, for the ids of their sources

  // The colour as sRGB over white (a translucent one as it shows on the white panel), or null.
  function rgbOf(value) {
    var context = document.createElement("canvas").getContext("2d");
    if (!context) { return null; }
    context.fillStyle = "#000";
    context.fillStyle = value;
    var parsed = context.fillStyle;  // "#rrggbb", or "rgba(r, g, b, a)" when translucent
    if (parsed.charAt(0) === "#") {
      return [1, 3, 5].map(function (i) { return parseInt(parsed.slice(i, i + 2), 16); });
    }
    var parts = parsed.match(/[\d.]+/g).map(Number);
    var alpha = parts.length > 3 ? parts[3] : 1;
    return parts.slice(0, 3).map(function (c) { return Math.round(c * alpha + 255 * (1 - alpha)); });
  }
  function luminance(rgb) {
    var linear = rgb.map(function (c) { c /= 255; return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); });
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2];
  }
  // White text sits on the accent colour: keep it at 4.5:1 at least (WCAG 1.4.3), darkening it if need be.
  function readableOnWhite(value) {
    var rgb = rgbOf(value);
    if (!rgb) { return value; }
    var contrast = function (c) { return 1.05 / (luminance(c) + 0.05); };
    var before = contrast(rgb);
    if (before >= 4.5) { return value; }
    while (contrast(rgb) < 4.5) { rgb = rgb.map(function (c) { return Math.floor(c * 0.92); }); }
    var darker = "#" + rgb.map(function (c) { return (c < 16 ? "0" : "") + c.toString(16); }).join("");
    if (window.console) {
      console.warn("Smart-City-Atlas widget: data-color " + value + " is too light for white text (contrast " +
                   before.toFixed(2) + ":1, WCAG AA needs 4.5:1); using " + darker + " instead.");
    }
    return darker;
  }

  var CSS_TEXT = [
    ":host { all: initial; }",
    ".root { all: initial; --accent: " + color + "; font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;",
    "  color: #1f2328; }",
    // :where() keeps this reset at zero specificity, so every rule below wins over it
    ":where(.root) *, :where(.root) *::before, :where(.root) *::after { box-sizing: border-box; font: inherit;",
    "  color: inherit; margin: 0; padding: 0; }",
    ".launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; display: flex; align-items: center; gap: 8px;",
    "  border: 0; border-radius: 999px; padding: 12px 18px; background: var(--accent); color: #fff; cursor: pointer;",
    "  box-shadow: 0 4px 14px rgba(0,0,0,.25); font-weight: 600; max-width: calc(100vw - 40px); }",
    // a dark ring with a white gap: visible on light and dark pages and on the accent colour alike
    ":focus-visible { outline: 3px solid #1f2328; outline-offset: 2px; box-shadow: 0 0 0 2px #fff; }",
    "header :focus-visible, .launcher:focus-visible, form button:focus-visible { outline-color: #fff; box-shadow: 0 0 0 5px #1f2328; }",
    ".panel { position: fixed; right: 20px; bottom: 84px; z-index: 2147483001; width: min(400px, calc(100vw - 40px));",
    "  height: min(560px, calc(100vh - 110px)); display: flex; flex-direction: column; background: #fff;",
    "  border: 1px solid #d0d7de; border-radius: 12px; box-shadow: 0 10px 30px rgba(0,0,0,.25); overflow: hidden; }",
    ".panel[hidden] { display: none; }",
    ".inline .panel { position: static; width: 100%; height: 100vh; border: 0; border-radius: 0; box-shadow: none; }",
    "header { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px; padding: 10px 14px; background: var(--accent); color: #fff; }",
    "header h1, header h2 { flex: 1; font-size: 16px; font-weight: 600; min-width: 8em; }",
    "header button { border: 0; background: transparent; color: #fff; cursor: pointer; font-size: 13px; padding: 4px 6px;",
    "  border-radius: 6px; text-decoration: underline; }",
    ".log { flex: 1; overflow-y: auto; padding: 12px 14px; display: flex; flex-direction: column; gap: 10px; background: #f6f8fa; }",
    ".msg { max-width: 92%; padding: 8px 11px; border-radius: 10px; white-space: pre-wrap; overflow-wrap: anywhere; }",
    ".user { align-self: flex-end; background: var(--accent); color: #fff; }",
    ".bot { align-self: flex-start; background: #fff; border: 1px solid #d0d7de; }",
    ".note { align-self: center; color: #57606a; font-size: 13px; text-align: center; }",
    ".error { align-self: stretch; background: #fff1f0; border: 1px solid #f5c2c0; color: #82071e; }",
    ".cite { border: 0; background: none; color: #0b5cad; font-weight: 600; cursor: pointer; border-radius: 3px; }",
    ".sources { margin-top: 8px; padding-top: 6px; border-top: 1px solid #d8dee4; font-size: 13px; }",
    ".sources h2, .sources h3 { font-size: 13px; font-weight: 600; margin-bottom: 4px; }",
    ".sources li { list-style: none; margin: 4px 0; padding: 2px 4px; border-radius: 4px; }",
    ".sources li:focus { outline: 2px solid #0b5cad; background: #e8f1fb; }",
    ".sources b { font-weight: 600; }",
    ".sources q { display: block; color: #57606a; font-style: italic; quotes: '\\201E' '\\201C'; }",
    "form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #d0d7de; background: #fff; }",
    "textarea { flex: 1; min-width: 0; resize: none; height: 42px; padding: 9px 10px; border: 1px solid #8c959f; border-radius: 8px; background: #fff; }",
    "textarea::placeholder { color: #57606a; opacity: 1; }",
    "form button { border: 0; border-radius: 8px; padding: 0 14px; background: var(--accent); color: #fff; cursor: pointer; font-weight: 600; }",
    "form button:disabled { opacity: .6; cursor: progress; }",
    ".handoff { margin-top: 8px; padding-top: 6px; border-top: 1px solid #d8dee4; font-size: 13px; }",
    ".handoff b { font-weight: 600; }",
    ".handoff a { color: #0b5cad; }",
    ".legal { padding: 0 10px 8px; background: #fff; font-size: 12px; }",
    ".legal a { color: #0b5cad; }",
    ".visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }",
    "@media (prefers-reduced-motion: no-preference) { .log { scroll-behavior: smooth; } }"
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
  if (inline && lang) { document.documentElement.lang = lang; }  // on /embed the widget is the page

  var launcher = el("button", "launcher", title);
  launcher.type = "button";
  launcher.setAttribute("aria-label", t.open + ": " + title);
  launcher.setAttribute("aria-expanded", "false");
  var panel = el("section", "panel");
  panel.id = "atlas-panel";
  launcher.setAttribute("aria-controls", panel.id);
  panel.setAttribute("role", inline ? "region" : "dialog");
  panel.setAttribute("aria-label", title);
  var header = el("header");
  var heading = el(inline ? "h1" : "h2", "", title);
  var restart = el("button", "restart", t.restart);
  restart.type = "button";
  var close = el("button", "close", t.close);
  close.type = "button";
  header.append(heading, restart);
  if (!inline) { header.append(close); }
  // The conversation is not a live region (it would speak the user's own words and every note);
  // `status` speaks what the assistant is doing and each finished answer, once.
  var log = el("div", "log");
  log.setAttribute("role", "region");
  log.setAttribute("aria-label", t.conversation);
  log.tabIndex = 0;  // a scrolling area that keyboard users can scroll
  log.append(el("p", "msg note", t.intro));
  var status = el("div", "visually-hidden");
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  status.setAttribute("aria-atomic", "true");
  var form = el("form");
  var input = el("textarea");
  input.id = "atlas-question";
  input.name = "question";
  input.placeholder = t.placeholder;
  input.maxLength = 2000;
  var inputLabel = el("label", "visually-hidden", t.question);
  inputLabel.htmlFor = input.id;
  var send = el("button", "send", t.send);
  send.type = "submit";
  form.append(inputLabel, input, send);
  var legal = el("p", "legal");
  var statement = el("a", "", t.statement);
  statement.href = api + t.statementPath;
  statement.target = "_blank";
  statement.rel = "noopener";
  statement.append(el("span", "visually-hidden", " " + t.newWindow));
  legal.append(statement);
  panel.append(header, log, form, legal, status);
  if (inline) { root.append(panel); } else { panel.hidden = true; root.append(launcher, panel); }
  shadow.append(style, root);

  function announce(text, language) {
    status.textContent = "";  // the same text twice in a row is spoken again
    setTimeout(function () { status.lang = language || root.lang; status.textContent = text; }, 50);
  }

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

  // The answer's text with each [n] as a button that moves focus to source n.
  function answerText(box, text, sourceIds) {
    text.split(/(\[\d+\])/).forEach(function (part) {
      var n = /^\[(\d+)\]$/.exec(part);
      if (!n || !sourceIds[n[1]]) { if (part) { box.append(document.createTextNode(part)); } return; }
      var cite = el("button", "cite", part);
      cite.type = "button";
      cite.setAttribute("aria-describedby", sourceIds[n[1]]);
      cite.addEventListener("click", function () { shadow.getElementById(sourceIds[n[1]]).focus(); });
      box.append(cite);
    });
  }

  function showAnswer(body) {
    var texts = body.language === "en" ? TEXT.en : TEXT.de;
    var box = el("div", "msg bot");
    box.lang = body.language || root.lang;
    answers += 1;
    var sourceIds = {};
    (body.citations || []).forEach(function (c) { sourceIds[c.n] = "atlas-src-" + answers + "-" + c.n; });
    answerText(box, body.answer, sourceIds);
    if (body.citations && body.citations.length) {
      var sources = el("div", "sources");
      sources.append(el(inline ? "h2" : "h3", "", texts.sources));  // one level under the panel's title
      var list = el("ul");
      body.citations.forEach(function (c) {
        var item = el("li");
        item.id = sourceIds[c.n];
        item.tabIndex = -1;  // a followed [n] lands here
        item.append(el("b", "", "[" + c.n + "] " + c.source), document.createTextNode(" – " + c.section));
        if (c.quote || c.text) {
          var quote = el("q", "", c.quote || c.text.slice(0, 300));
          quote.lang = "de";  // the report's own words
          item.append(quote);
        }
        list.append(item);
      });
      sources.append(list);
      box.append(sources);
    }
    if (body.handoff) { box.append(handoffBox(body.handoff, texts)); }
    log.append(box);
    announce(body.answer, box.lang);
  }

  // The way to a person the server sends with a refusal or on request: text and links, never HTML.
  function handoffBox(contact, texts) {
    var box = el("div", "handoff");
    box.append(el("b", "", texts.handoff + ":"));
    if (contact.text) { box.append(document.createTextNode(" " + contact.text)); }
    function link(labelText, value, href) {
      if (!value) { return; }
      var line = el("div", "", labelText + ": ");
      var a = el("a", "", value);
      a.href = href;
      line.append(a);
      box.append(line);
    }
    link(texts.phone, contact.phone, "tel:" + String(contact.phone || "").replace(/[^\d+]/g, ""));
    link(texts.email, contact.email, "mailto:" + contact.email);
    if (/^https?:\/\//i.test(contact.url || "")) {
      link(texts.web, contact.url, contact.url);
      var last = box.lastChild.lastChild;
      last.target = "_blank";
      last.rel = "noopener";
      last.append(el("span", "visually-hidden", " " + texts.newWindow));
    }
    return box;
  }

  function showError(message) {
    log.append(el("div", "msg error", message));
    announce(message);
  }

  async function ask(question) {
    var payload = { question: question };
    if (conversationId) { payload.conversation_id = conversationId; }
    if (lang) { payload.language = lang; }
    // the channel only tells the question log that the widget asked; it names no person
    var headers = { "Content-Type": "application/json", "X-Assistant-Channel": "widget" };
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
    announce(t.thinking);
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
