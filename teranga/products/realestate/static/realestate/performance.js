/* The agents' performance dashboard of an agency, drawn with the vendored Chart.js.

   With a Django session the server wrote the figures in #dashboard-data (the JSON of
   GET /api/v1/realestate/organizations/{id}/performance/). Without one, the page signs
   in through allauth's app API (core/app-session.js: JWT kept in sessionStorage under
   realestate.*), reads the figures from the API with the page's query (period, from,
   to) and draws them the same way; "Sign out" forgets the tokens. */
(function () {
  "use strict";

  function el(id) { return document.getElementById(id); }
  var source = JSON.parse(el("dashboard-data").textContent);
  var T = source.strings;
  var ORGANIZATION = document.body.dataset.organization;
  var COLOURS = ["#1d3f72", "#d98e04", "#0b8a5b", "#b23a48"];
  var charts = {};

  function say(text) {
    var box = el("message");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function major(amount, currency) {
    return currency === "XOF" ? amount : amount / 100;
  }

  function amountIn(list, currency) {
    var found = (list || []).filter(function (money) { return money.currency === currency; })[0];
    return found ? found.amount : 0;
  }

  function moneyList(list) {
    if (!list || !list.length) return "0";
    return list.map(function (money) { return money.display; }).join(", ");
  }

  function cell(row, text, number) {
    var td = document.createElement("td");
    td.textContent = text;
    if (number) td.className = "number";
    row.appendChild(td);
  }

  function chart(id, config) {
    if (charts[id]) charts[id].destroy();
    charts[id] = new Chart(el(id), config);
  }

  function drawn() {
    document.body.dataset.drawn = "1";
    document.body.dataset.ready = "1";
  }

  function draw(figures) {
    var totals = figures.totals;
    var currency = figures.currency;
    el("total-leads").textContent = totals.leads_assigned;
    el("total-won-lost").textContent = totals.leads_won + " / " + totals.leads_lost;
    el("total-visits").textContent = totals.visits_done + " / " + totals.visits_no_show;
    el("total-converted").textContent = totals.reservations_converted;
    el("total-deals").textContent = totals.deals;
    el("total-commission").textContent = moneyList(totals.commission);
    el("range").textContent = figures.date_from + " \u2192 " + figures.date_to;
    el("time-zone").textContent = figures.time_zone;
    if (!el("from").value) el("from").value = figures.date_from;
    if (!el("to").value) el("to").value = figures.date_to;

    var body = el("agents").querySelector("tbody");
    body.textContent = "";
    figures.agents.forEach(function (row) {
      var tr = document.createElement("tr");
      cell(tr, row.name);
      cell(tr, row.leads_assigned, true);
      cell(tr, row.leads_won, true);
      cell(tr, row.leads_lost, true);
      cell(tr, row.visits_done, true);
      cell(tr, row.visits_no_show, true);
      cell(tr, row.reservations_converted, true);
      cell(tr, row.deals, true);
      cell(tr, moneyList(row.commission), true);
      body.appendChild(tr);
    });
    el("dashboard-view").hidden = false;
    if (typeof Chart === "undefined") return;

    var names = figures.agents.map(function (row) { return row.name; });
    function series(rows, name) { return rows.map(function (row) { return row[name]; }); }
    chart("chart-agents", {
      type: "bar",
      data: {
        labels: names,
        datasets: [
          { label: T.leads_assigned, data: series(figures.agents, "leads_assigned"), backgroundColor: COLOURS[0] },
          { label: T.visits_done, data: series(figures.agents, "visits_done"), backgroundColor: COLOURS[1] },
          { label: T.deals, data: series(figures.agents, "deals"), backgroundColor: COLOURS[2] }
        ]
      },
      options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
    chart("chart-commission", {
      type: "bar",
      data: {
        labels: names,
        datasets: [{
          label: T.commission + " (" + currency + ")",
          data: figures.agents.map(function (row) { return major(amountIn(row.commission, currency), currency); }),
          backgroundColor: COLOURS[1]
        }]
      },
      options: { maintainAspectRatio: false, indexAxis: "y", scales: { x: { beginAtZero: true } } }
    });
    chart("chart-weeks", {
      type: "line",
      data: {
        labels: figures.weeks.map(function (week) { return week.week_start; }),
        datasets: [
          { label: T.leads_assigned, data: series(figures.weeks, "leads_assigned"), borderColor: COLOURS[0], backgroundColor: COLOURS[0] },
          { label: T.visits_done, data: series(figures.weeks, "visits_done"), borderColor: COLOURS[1], backgroundColor: COLOURS[1] },
          { label: T.deals, data: series(figures.weeks, "deals"), borderColor: COLOURS[2], backgroundColor: COLOURS[2] }
        ]
      },
      options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }

  function show(view) {
    el("login-view").hidden = view !== "login";
    el("dashboard-view").hidden = view !== "dashboard";
    el("logout").hidden = view === "login";
  }

  function signedOut() {
    show("login");
    document.body.dataset.ready = "1";
  }

  var session = new window.TerangaSession({
    prefix: "realestate",
    api: "/api/v1/",
    messages: T,
    onExpired: signedOut
  });

  function query() {
    var params = new URLSearchParams(window.location.search);
    var out = {};
    ["period", "from", "to"].forEach(function (name) {
      if (params.get(name)) out[name] = params.get(name);
    });
    return out;
  }

  function load() {
    var organization = "organizations/" + ORGANIZATION + "/";
    return session.get("realestate/" + organization + "performance/", query()).then(function (answer) {
      if (!answer.ok) {
        show("failed");
        say(answer.error);
        document.body.dataset.ready = "1";
        document.body.dataset.status = String(answer.status);
        return null;
      }
      say("");
      show("dashboard");
      draw(answer.body);
      return session.get(organization, {}).then(function (card) {
        if (card.ok) el("organization-name").textContent = card.body.name;
        drawn();
        return answer.body;
      });
    }).catch(function (error) {
      say(error.message);
      document.body.dataset.ready = "1";
      return null;
    });
  }

  el("login-view").addEventListener("submit", function (event) {
    event.preventDefault();
    say("");
    session.signIn(el("email").value, el("password").value).then(function () {
      el("password").value = "";
      return load();
    }).catch(function (error) { say(error.message); });
  });

  el("logout").addEventListener("click", function () {
    say("");
    delete document.body.dataset.status;
    session.signOut().then(signedOut);
  });

  // Choosing dates makes the period a custom one; choosing a period clears the dates.
  el("period").addEventListener("change", function () {
    if (el("period").value !== "custom") {
      el("from").value = "";
      el("to").value = "";
    }
  });
  ["from", "to"].forEach(function (id) {
    el(id).addEventListener("change", function () { el("period").value = "custom"; });
  });
  el("period-form").addEventListener("submit", function () {
    if (el("period").value !== "custom") {
      el("from").disabled = true;
      el("to").disabled = true;
    }
  });

  if (typeof Chart !== "undefined") {
    Chart.defaults.animation = false;
    Chart.defaults.font.family = "system-ui, sans-serif";
  }
  if (document.body.dataset.mode === "session" && source.figures) {
    draw(source.figures);
    drawn();
  } else if (session.signedIn()) {
    load();
  } else {
    signedOut();
  }
})();
