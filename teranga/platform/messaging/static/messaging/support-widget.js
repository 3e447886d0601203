/* Teranga's support widget for any website: a floating launcher button (bottom right,
   in the organisation's colours) that opens a panel framing the organisation's support
   page (/support/widget/<organisation>/ on the server this script comes from): its
   channels, business hours and live chat. The launcher shows the unread count.

     <script src="https://teranga.example/static/messaging/support-widget.js"
             data-organization="ORGANISATION_ID" async></script>

   data-organization  the organisation's id (or slug), required;
   data-lang          fr, en or wo (default: the page's <html lang>, else the browser's).

   It does nothing on admin pages (a path starting with /admin). No dependency, no
   network request of its own, no inline style sheet: the frame tells it the colours
   and the unread count through postMessage, and each side checks the other's origin
   (the frame posts only to the origin named in its address; this script hears only the
   frame's window, from the script's own origin). window.TerangaSupportWidget:
   {state: "on" | "off", open(), close()}. */
(function () {
  "use strict";

  var SOURCE = "teranga-support";
  var script = document.currentScript;
  if (window.TerangaSupportWidget) return;
  if (window.location.pathname.indexOf("/admin") === 0 || !script) {
    window.TerangaSupportWidget = { state: "off" };
    return;
  }
  var organization = script.getAttribute("data-organization");
  if (!organization) {
    window.TerangaSupportWidget = { state: "off" };
    return;
  }
  var origin = new URL(script.src, window.location.href).origin;
  var language = (script.getAttribute("data-lang") || document.documentElement.lang ||
    navigator.language || "fr").slice(0, 2).toLowerCase();
  var colors = { primary: "#D4AF37", primary_hover: "#C5A028", background: "#000000", text: "#FFFFFF" };
  var words = { open_chat: "Support", close_chat: "Support", unread: "", support: "Support" };
  var isOpen = false;
  var unread = 0;
  var root, launcher, badge, panel, frame;

  function style(node, rules) {
    Object.keys(rules).forEach(function (name) { node.style.setProperty(name, rules[name]); });
    return node;
  }

  function icon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "28");
    svg.setAttribute("height", "28");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z");
    svg.appendChild(path);
    return svg;
  }

  function paint() {
    style(launcher, { background: isOpen ? colors.primary_hover : colors.primary, color: colors.background });
    style(badge, { background: colors.background, color: colors.text, "border-color": colors.primary });
    launcher.setAttribute("aria-expanded", isOpen ? "true" : "false");
    launcher.setAttribute("aria-label", (isOpen ? words.close_chat : words.open_chat) +
      (unread ? " (" + unread + " " + words.unread + ")" : ""));
    launcher.title = launcher.getAttribute("aria-label");
    badge.textContent = unread > 99 ? "99+" : String(unread);
    badge.hidden = !unread;
    style(badge, { display: unread ? "flex" : "none" });
    style(panel, { display: isOpen ? "block" : "none" });
  }

  function tellFrame(type) {
    if (frame.contentWindow) frame.contentWindow.postMessage({ source: SOURCE, type: type }, origin);
  }

  function open() { if (!launcher) return; isOpen = true; paint(); tellFrame("open"); }
  function close() { if (!launcher) return; isOpen = false; paint(); tellFrame("close"); }

  function build() {
    var address = new URL("/support/widget/" + encodeURIComponent(organization) + "/", origin);
    address.searchParams.set("origin", window.location.origin);
    if (["fr", "en", "wo"].indexOf(language) >= 0) address.searchParams.set("lang", language);

    root = style(document.createElement("div"), {
      position: "fixed", right: "20px", bottom: "20px", "z-index": "2147483000",
      "font-family": "system-ui, sans-serif"
    });
    root.id = "teranga-support";

    panel = style(document.createElement("div"), {
      display: "none", position: "absolute", right: "0", bottom: "76px",
      width: "min(370px, calc(100vw - 40px))", height: "min(560px, calc(100vh - 120px))",
      "border-radius": "12px", overflow: "hidden", background: "#fff",
      "box-shadow": "0 10px 30px rgba(0,0,0,.3)"
    });
    panel.id = "teranga-support-panel";
    frame = style(document.createElement("iframe"), {
      width: "100%", height: "100%", border: "0", display: "block"
    });
    frame.id = "teranga-support-frame";
    frame.title = words.support;
    frame.src = address.href;
    panel.appendChild(frame);

    launcher = style(document.createElement("button"), {
      position: "relative", width: "60px", height: "60px", "border-radius": "50%",
      border: "0", cursor: "pointer", display: "flex", "align-items": "center",
      "justify-content": "center", "box-shadow": "0 4px 14px rgba(0,0,0,.3)", padding: "0"
    });
    launcher.id = "teranga-support-launcher";
    launcher.type = "button";
    launcher.appendChild(icon());
    badge = style(document.createElement("span"), {
      position: "absolute", top: "-4px", right: "-4px", "min-width": "22px", height: "22px",
      "border-radius": "11px", "border-width": "2px", "border-style": "solid",
      "font-size": "12px", "font-weight": "700", "align-items": "center",
      "justify-content": "center", padding: "0 4px", "box-sizing": "border-box"
    });
    badge.id = "teranga-support-badge";
    launcher.appendChild(badge);
    launcher.addEventListener("click", function () { if (isOpen) close(); else open(); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && isOpen) close();
    });

    root.appendChild(panel);
    root.appendChild(launcher);
    document.body.appendChild(root);
    paint();
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !frame || event.source !== frame.contentWindow) return;
    var message = event.data;
    if (!message || message.source !== SOURCE) return;
    if (message.type === "config") {
      if (message.colors) colors = message.colors;
      if (message.strings) words = message.strings;
      frame.title = words.support;
      if (isOpen) tellFrame("open");
    } else if (message.type === "unread") {
      unread = Math.max(0, parseInt(message.count, 10) || 0);
    } else {
      return;
    }
    paint();
  });

  window.TerangaSupportWidget = { state: "on", open: function () { open(); }, close: function () { close(); } };
  if (document.body) build();
  else document.addEventListener("DOMContentLoaded", build);
})();
