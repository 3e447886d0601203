/* The support widget page (/support/widget/<organisation>/), framed by the loader
   support-widget.js on any website, or opened on its own.

   The visitor signs in through allauth's app API (core/app-session.js: JWT in
   sessionStorage under support.*), then this script
   - lists their support conversations with the organisation (GET support/conversations/,
     whose "unread" counts make the badge), shows the current one's messages and polls
     every poll_seconds;
   - sends with POST support/conversations/ (opens the conversation, or continues the
     open one; client_id makes a resend harmless);
   - marks the conversation read while the panel is open (POST conversations/{id}/read/).

   Framed, it talks to the framing page only: the loader names its origin in ?origin=,
   messages go to that origin alone (postMessage's targetOrigin), and only messages from
   window.parent with that origin are heard ({type: "open" | "close"}). It tells the page
   {type: "config", colors, strings} once, then {type: "unread", count} on each change.
   No inline script (CSP script-src 'self'). */
(function () {
  "use strict";

  var SOURCE = "teranga-support";
  var API = "/api/v1/";
  var AUTH_SESSION = "/_allauth/app/v1/auth/session";

  function el(id) { return document.getElementById(id); }
  var data = JSON.parse(el("widget-data").textContent);
  var T = data.strings;
  var ORGANIZATION = data.organization;
  var framed = window.parent !== window;
  var parentOrigin = (function () {
    var asked = new URLSearchParams(window.location.search).get("origin") || "";
    try {
      var url = new URL(asked);
      if ((url.protocol === "http:" || url.protocol === "https:") && url.origin === asked) return asked;
    } catch (error) { /* not an origin */ }
    return null;
  })();
  var opened = !framed;
  var me = null;
  var conversationId = null;
  var shownSeq = -1;
  var lastUnread = null;
  var timer = null;
  var busy = false;

  var session = new TerangaSession({
    prefix: "support",
    api: "",
    messages: T,
    onExpired: showLogin
  });

  function tell(message) {
    if (!framed || !parentOrigin) return;
    message.source = SOURCE;
    message.organization = ORGANIZATION;
    window.parent.postMessage(message, parentOrigin);
  }

  function tellUnread(count) {
    document.body.dataset.unread = String(count);
    if (count === lastUnread) return;
    lastUnread = count;
    tell({ type: "unread", count: count });
  }

  function say(text) {
    var box = el("message");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function showLogin() {
    if (timer) window.clearInterval(timer);
    timer = null;
    me = null;
    conversationId = null;
    shownSeq = -1;
    el("messages").textContent = "";
    el("chat-view").hidden = true;
    el("login-view").hidden = false;
    document.body.dataset.signedIn = "0";
    tellUnread(0);
  }

  function showChat() {
    say("");
    el("login-view").hidden = true;
    el("chat-view").hidden = false;
    document.body.dataset.signedIn = "1";
    refresh();
    if (!timer) timer = window.setInterval(refresh, Math.max(2, data.poll_seconds) * 1000);
  }

  function whoAmI() {
    return session.get(AUTH_SESSION).then(function (answer) {
      var user = answer.ok && answer.body && answer.body.data && answer.body.data.user;
      me = user ? String(user.id) : null;
    });
  }

  function render(messages) {
    var last = messages.length ? messages[messages.length - 1].seq : 0;
    el("empty").textContent = T.empty;
    el("empty").hidden = messages.length > 0;
    if (last === shownSeq) return;
    shownSeq = last;
    var list = el("messages");
    list.textContent = "";
    messages.forEach(function (message) {
      var item = document.createElement("li");
      var who = document.createElement("span");
      who.className = "who";
      if (message.kind !== "text") {
        item.className = "auto";
        who.textContent = T.automatic_reply;
      } else if (message.sender && String(message.sender.id) === me) {
        item.className = "mine";
        who.textContent = T.you;
      } else {
        item.className = "theirs";
        who.textContent = message.sender ? message.sender.name : T.support;
      }
      item.dataset.seq = String(message.seq);
      item.appendChild(who);
      item.appendChild(document.createTextNode(message.body));
      list.appendChild(item);
    });
    list.scrollTop = list.scrollHeight;
  }

  function refresh() {
    if (busy || !session.signedIn()) return Promise.resolve();
    busy = true;
    return session.get(API + "support/conversations/", { organization: ORGANIZATION }).then(function (answer) {
      if (!answer.ok) { say(answer.error); return null; }
      var conversations = answer.body.results || [];
      var unread = conversations.reduce(function (sum, c) { return sum + (c.unread || 0); }, 0);
      var current = conversations.filter(function (c) { return !c.closed_at; })[0] || conversations[0] || null;
      conversationId = current ? current.id : null;
      document.body.dataset.conversation = conversationId || "";
      if (!current) { render([]); tellUnread(unread); return null; }
      var path = API + "conversations/" + current.id + "/";
      return session.get(path + "messages/").then(function (messages) {
        var shown = messages.ok ? (messages.body.results || []).slice().reverse() : [];
        if (messages.ok) render(shown);
        if (!opened || !current.unread || !shown.length) return null;
        // Read up to what is shown, not beyond: a reply landing meanwhile stays unread.
        var seq = shown[shown.length - 1].seq;
        return session.send("POST", path + "read/", { seq: seq }).then(function (read) {
          if (read.ok) unread = unread - current.unread + read.body.unread;
        });
      }).then(function () { tellUnread(unread); });
    }).catch(function (error) {
      if (error.reason !== "session_expired") say(error.message);
    }).then(function () {
      busy = false;
    });
  }

  function clientId() {
    return "widget-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }

  el("login-view").addEventListener("submit", function (event) {
    event.preventDefault();
    say("");
    session.signIn(el("email").value, el("password").value).then(whoAmI).then(function () {
      el("password").value = "";
      showChat();
    }).catch(function (error) { say(error.message); });
  });

  el("send-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var body = el("body").value.trim();
    if (!body) return;
    var button = event.target.querySelector("button");
    button.disabled = true;
    session.send("POST", API + "support/conversations/", {
      organization: ORGANIZATION,
      body: body,
      client_id: clientId()
    }).then(function (answer) {
      if (!answer.ok) { say(answer.error); return null; }
      say("");
      el("body").value = "";
      return refresh();
    }).catch(function (error) {
      if (error.reason !== "session_expired") say(error.message);
    }).then(function () { button.disabled = false; });
  });

  el("body").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      el("send-form").requestSubmit();
    }
  });

  el("logout").addEventListener("click", function () {
    session.signOut().then(showLogin);
  });

  window.addEventListener("message", function (event) {
    if (!framed || event.source !== window.parent || event.origin !== parentOrigin) return;
    var message = event.data;
    if (!message || message.source !== SOURCE) return;
    if (message.type === "open") {
      opened = true;
      refresh();
    } else if (message.type === "close") {
      opened = false;
    }
  });

  tell({ type: "config", colors: data.colors, strings: T });
  if (session.signedIn()) {
    whoAmI().then(showChat, showLogin);
  } else {
    showLogin();
  }
  document.body.dataset.ready = "1";
})();
