/* The agent console: sign in (allauth app API, JWT kept in sessionStorage), open a
   session on a counter, serve tickets with the counter action endpoints, live updates
   from /ws/smartqueue/counters/<id>/ (reconnecting with backoff and resume). */
(function () {
  "use strict";
  function el(id) { return document.getElementById(id); }
  var API = "/api/v1/smartqueue";
  var AUTH = "/_allauth/app/v1";
  // The page's words, in its language (the view renders them with json_script).
  var T = JSON.parse(el("console-strings").textContent);
  var LANG = document.documentElement.lang || "fr";
  var STATUS = { called: T.called, serving: T.serving, waiting: T.waiting };
  var counter = null; // {id, name}
  var socket = null;
  var branchQueues = [];
  var busy = false;

  function token() { return sessionStorage.getItem("sq.access"); }

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

  function refresh() {
    var refreshToken = sessionStorage.getItem("sq.refresh");
    if (!refreshToken) return Promise.resolve(false);
    return fetch(AUTH + "/tokens/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: refreshToken })
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (body) {
      var data = body && (body.data || body.meta);
      if (!data || !data.access_token) return false;
      sessionStorage.setItem("sq.access", data.access_token);
      if (data.refresh_token) sessionStorage.setItem("sq.refresh", data.refresh_token);
      return true;
    }).catch(function () { return false; });
  }

  function api(method, path, body, retried) {
    var options = { method: method, headers: { Accept: "application/json", "Accept-Language": LANG } };
    if (token()) options.headers.Authorization = "Bearer " + token();
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (response) {
      if (response.status === 401 && !retried) {
        return refresh().then(function (ok) {
          if (ok) return api(method, path, body, true);
          logout();
          throw new Error(T.session_expired);
        });
      }
      return response.text().then(function (text) {
        // 204 (e.g. /counters/mine/ when no session is open) has no body: null.
        var data = response.status !== 204 && text ? JSON.parse(text) : null;
        if (!response.ok) {
          var message = data && data.error ? data.error.message : T.error + " " + response.status;
          throw new Error(message);
        }
        return data;
      });
    });
  }

  // --- sign in -------------------------------------------------------------------------
  el("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    say("");
    fetch(AUTH + "/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept-Language": LANG },
      body: JSON.stringify({ email: el("email").value, password: el("password").value })
    }).then(function (r) { return r.json().then(function (b) { return [r, b]; }); }).then(function (pair) {
      var body = pair[1];
      if (!pair[0].ok || !body.meta || !body.meta.access_token) {
        throw new Error(T.bad_credentials);
      }
      sessionStorage.setItem("sq.access", body.meta.access_token);
      if (body.meta.refresh_token) sessionStorage.setItem("sq.refresh", body.meta.refresh_token);
      el("password").value = "";
      return start();
    }).catch(function (error) { say(error.message, "error"); });
  });

  function logout() {
    if (socket) socket.stop();
    socket = null;
    counter = null;
    sessionStorage.removeItem("sq.access");
    sessionStorage.removeItem("sq.refresh");
    el("counter-name").textContent = "";
    show("login-view");
  }
  el("logout").addEventListener("click", function () {
    fetch(AUTH + "/auth/session", { method: "DELETE", headers: { Authorization: "Bearer " + token() } })
      .finally(logout);
  });

  // --- pick a counter --------------------------------------------------------------------
  function start() {
    return api("GET", API + "/counters/mine/").then(function (session) {
      // 200 with the open session, or 204 (null here): no session, pick a counter.
      if (session && session.counter) return enter(session.counter);
      return pick();
    }).catch(function (error) { say(error.message, "error"); });
  }

  function rows(page) { return Array.isArray(page) ? page : (page && page.results) || []; }

  function pick() {
    show("pick-view");
    var list = el("counters");
    list.replaceChildren();
    return api("GET", "/api/v1/organizations/mine/").then(function (page) {
      var orgs = rows(page).map(function (m) { return m.organization || m; });
      return Promise.all(orgs.map(function (org) {
        return api("GET", API + "/counters/?organization=" + encodeURIComponent(org.id))
          .then(rows).catch(function () { return []; });
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
        button.textContent = c.name + (c.branch ? " — " + c.branch.name : "") + (c.agent ? " (occupé)" : "");
        button.addEventListener("click", function () {
          api("POST", API + "/counters/" + c.id + "/session/", {})
            .then(function (session) { return enter(session.counter || c); })
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
      protocols: function () { return ["bearer", token()]; },
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
          refresh().then(function (ok) { if (!ok) logout(); });
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

  if (token()) start(); else show("login-view");
})();
