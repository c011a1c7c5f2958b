/* What a screen reader is told in the chat (assistant/ui.py runs this once when the page loads, with
 * the labels' language). Gradio's message list is a live region that speaks every streamed piece;
 * here it is silenced, and a region of its own speaks each finished answer once, in its language. */
(pageLang) => {
  document.documentElement.lang = pageLang || "de";
  if (window.atlasChat) { return []; }
  const region = document.createElement("div");
  region.id = "answer-status";
  region.className = "visually-hidden";
  region.setAttribute("role", "status");
  region.setAttribute("aria-live", "polite");
  region.setAttribute("aria-atomic", "true");
  document.body.append(region);  // outside Gradio's tree, so re-rendering never replaces it
  const languages = [];  // the language of each answer, by its place among the bot messages

  function messages() { return document.querySelectorAll('#chat [data-testid="bot"]'); }
  function tidy() {
    document.querySelectorAll("#chat [aria-live]:not([aria-live=off])").forEach((log) => {
      log.setAttribute("aria-live", "off");
    });
    // Gradio labels each message div with its raw Markdown ("bot's message: …[1]: #src-1-1"); a div
    // without a role may not carry a label (ARIA 1.2), and the message's own text reads better
    document.querySelectorAll('#chat :is([data-testid="bot"], [data-testid="user"])[aria-label]:not([role])').forEach((message) => {
      message.removeAttribute("aria-label");
    });
    const shown = messages();
    if (!shown.length) { languages.length = 0; }  // a cleared or new chat
    shown.forEach((message, i) => { if (languages[i] && message.lang !== languages[i]) { message.lang = languages[i]; } });
    // a chart is named by its label and described by the table of its values beside it
    document.querySelectorAll("#overview-chart .vega-embed, #answer-chart .vega-embed").forEach((chart) => {
      const block = chart.closest("#overview-chart, #answer-chart");
      const name = block.querySelector('[data-testid="block-info"]');
      if (name && chart.getAttribute("aria-label") !== name.textContent.trim()) {
        chart.setAttribute("aria-label", name.textContent.trim());
      }
      chart.setAttribute("aria-describedby", block.id + "-table");
    });
  }
  function spoken(message) {  // the text as shown, with the citation markers' brackets (drawn by CSS)
    const copy = message.cloneNode(true);
    copy.querySelectorAll('a[href^="#src-"]').forEach((a) => { a.textContent = "[" + a.textContent + "]"; });
    copy.querySelectorAll("br").forEach((br) => br.replaceWith("\n"));
    copy.querySelectorAll("p, li").forEach((p) => p.append("\n"));
    return copy.textContent.trim();
  }
  new MutationObserver(tidy).observe(document.body, { childList: true, subtree: true, attributes: true,
                                                      attributeFilter: ["aria-live", "aria-label"] });
  tidy();
  window.atlasChat = {
    setLanguage(lang) { document.documentElement.lang = lang || "de"; return []; },
    answered(lang) {  // called once the answer has finished streaming
      const shown = messages();
      const last = shown[shown.length - 1];
      if (!last) { return []; }
      languages[shown.length - 1] = lang || document.documentElement.lang;
      tidy();
      region.textContent = "";  // the same text twice in a row is spoken again
      setTimeout(() => { region.lang = last.lang; region.textContent = spoken(last); }, 50);
      return [];
    },
  };
  return [];
}
