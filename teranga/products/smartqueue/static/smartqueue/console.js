/* The agent console: sign in (allauth app API through core/app-session.js, JWT kept in
   sessionStorage under sq.*), open a session on a counter, serve tickets with the
   counter action endpoints, live updates from /ws/smartqueue/counters/<id>/
   (reconnecting with backoff and resume). */
(function () {
  "use strict";
  function el(id) { return document.getElementById(id); }
  var API = "/smartqueue";
  // The page's words, in its language (the view renders them with json_script).
  var T = JSON.parse(el("console-strings").textContent);
  var STATUS = { called: T.called, serving: T.serving, waiting: T.waiting };
  var counter = null; // {id, name}
  var socket = null;
  var branchQueues = [];
  var busy = false;

  function show(view) {
    ["login-view", "pick-view", "counter-view"].forEach(function (id) { el(id).hidden = id !== view; });
    el("logout").hidden = view === "login-view";
  }

  function say(text, kind) {
    var box = el("message");
    box.textContent = text || "";
    box.className = "message " + (kind || "");
    box.hidden = !text;
  }

  function signedOut() {
    if (socket) socket.stop();
    socket = null;
    counter = null;
    el("counter-name").textContent = "";
    show("login-view");
  }

  var session = new window.TerangaSession({
    prefix: "sq",
    api: "/api/v1",
    messages: T,
    onExpired: signedOut
  });

  // The answer's JSON (null for a 204, e.g. /counters/mine/ when no session is open), or
  // an Error with the API's message.
  function api(method, path, body) {
    return session.send(method, path, body).then(function (answer) {
      if (!answer.ok) throw new Error(answer.error);
      return answer.body;
    });
  }

  // --- sign in -------------------------------------------------------------------------
  el("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    say("");
    session.signIn(el("email").value, el("password").value).then(function () {
      el("password").value = "";
      return start();
    }).catch(function (error) { say(error.message, "error"); });
  });

  el("logout").addEventListener("click", function () {
    session.signOut().then(signedOut);
  });

  // --- pick a counter --------------------------------------------------------------------
  function start() {
    return api("GET", API + "/counters/mine/").then(function (open) {
      // 200 with the open session, or 204 (null here): no session, pick a counter.
      if (open && open.counter) return enter(open.counter);
      return pick();
    }).catch(function (error) { say(error.message, "error"); });
  }

  function rows(page) { return Array.isArray(page) ? page : (page && page.results) || []; }

  function pick() {
    show("pick-view");
    var list = el("counters");
    list.replaceChildren();
    return api("GET", "/organizations/mine/").then(function (page) {
      var orgs = rows(page).map(function (m) { return m.organization || m; });
      return Promise.all(orgs.map(function (org) {
        return session.get(API + "/counters/", { organization: org.id }).then(function (answer) {
          return answer.ok ? rows(answer.body) : [];
        }).catch(function () { return []; });
      }));
    }).then(function (lists) {
      var counters = [].concat.apply([], lists);
      if (!counters.length) say(T.no_counter, "error");
      counters.forEach(function (c) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "big";
        button.dataset.counter = c.id;
        button.textContent = c.name + (c.branch ? " — " + c.branch.name : "") + (c.agent ? " (" + T.busy + ")" : "");
        button.addEventListener("click", function () {
          api("POST", API + "/counters/" + c.id + "/session/", {})
            .then(function (open) { return enter(open.counter || c); })
            .catch(function (error) { say(error.message, "error"); });
        });
        li.appendChild(button);
        list.appendChild(li);
      });
    });
  }

  // --- the counter -----------------------------------------------------------------------
  function enter(c) {
    counter = { id: c.id, name: c.name };
    el("counter-name").textContent = c.name;
    say("");
    show("counter-view");
    if (socket) socket.stop();
    socket = new window.LiveSocket({
      url: function () { return window.LiveSocket.wsBase() + "/ws/smartqueue/counters/" + counter.id + "/"; },
      protocols: function () { return ["bearer", session.token()]; },
      onSnapshot: function (data) {
        if (data.branch_queues) branchQueues = data.branch_queues;
        render(data);
        document.body.dataset.ready = "1";
      },
      onEvent: function (event) {
        if (event.queues) {
          branchQueues = event.queues;
          updateWaiting(event.queues);
        }
        if (event.counter && event.counter.counter && event.counter.counter.id === counter.id) {
          render(event.counter);
        }
      },
      onState: function (value) {
        el("connection").dataset.state = value;
        el("connection").className = "connection " + value;
      },
      onClose: function (code) {
        if (code === 4401) {
          session.refresh().then(function (ok) {
            if (!ok) { session.forget(); signedOut(); say(T.session_expired, "error"); }
          });
          return true;
        }
        return false;
      }
    });
    socket.start();
  }

  function render(state) {
    var current = state.current;
    el("current-number").textContent = current ? current.number : "—";
    el("current-status").textContent = current ? (STATUS[current.status] || current.status) +
      (current.recall_count ? " · " + T.recall + " " + current.recall_count : "") : T.no_ticket;
    document.body.dataset.current = current ? current.number : "";
    var list = el("queue-list");
    list.replaceChildren.apply(list, (state.queues || []).map(function (row) {
      var li = document.createElement("li");
      var queue = row.queue || row;
      li.dataset.queue = queue.id;
      li.innerHTML = "";
      var name = document.createElement("span");
      name.textContent = queue.prefix + " — " + queue.name;
      var count = document.createElement("strong");
      count.className = "waiting";
      count.textContent = row.waiting;
      li.appendChild(name);
      li.appendChild(count);
      return li;
    }));
    var select = el("transfer-queue");
    var options = branchQueues.length ? branchQueues : (state.queues || []).map(function (r) { return r.queue; });
    select.replaceChildren.apply(select, options.map(function (q) {
      var option = document.createElement("option");
      option.value = q.id || q.queue_id;
      option.textContent = q.prefix + (q.name ? " — " + q.name : "");
      return option;
    }));
    var parked = el("parked");
    parked.replaceChildren.apply(parked, (state.parked || []).map(function (t) {
      var li = document.createElement("li");
      var label = document.createElement("span");
      label.textContent = t.number;
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = T.resume;
      button.addEventListener("click", function () { act("unpark", { ticket: t.id }); });
      li.appendChild(label);
      li.appendChild(button);
      return li;
    }));
    var has = !!current;
    document.querySelectorAll("[data-action]").forEach(function (b) {
      var action = b.dataset.action;
      b.disabled = busy || (action === "call-next" ? has : !has) ||
        (action === "recall" && (!has || current.status !== "called"));
    });
  }

  function updateWaiting(queues) {
    queues.forEach(function (q) {
      var row = el("queue-list").querySelector('[data-queue="' + (q.id || q.queue_id) + '"] .waiting');
      if (row) row.textContent = q.waiting;
    });
  }

  function act(action, body) {
    if (!counter || busy) return;
    busy = true;
    say("");
    var payload = body || {};
    if (action === "transfer") payload = { queue: el("transfer-queue").value };
    api("POST", API + "/counters/" + counter.id + "/" + action + "/", payload).then(function (state) {
      busy = false;
      render(state);
      if (action === "call-next" && !state.called) say(T.nobody_waiting, "info");
    }).catch(function (error) {
      busy = false;
      say(error.message, "error");
      api("GET", API + "/counters/" + counter.id + "/state/").then(render).catch(function () {});
    });
  }

  document.querySelectorAll("[data-action]").forEach(function (button) {
    button.addEventListener("click", function () { act(button.dataset.action); });
  });
  el("close-session").addEventListener("click", function () {
    api("DELETE", API + "/counters/" + counter.id + "/session/").then(function () {
      if (socket) socket.stop();
      socket = null;
      counter = null;
      return pick();
    }).catch(function (error) { say(error.message, "error"); });
  });

  if (session.signedIn()) start(); else show("login-view");
})();
