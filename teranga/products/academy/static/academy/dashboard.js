/* The academy's dashboard, drawn with the vendored Chart.js (brand gold and black).

   With a Django session the server wrote the figures in #dashboard-data (the same JSON
   as GET /api/v1/academy/organizations/{id}/dashboard/). Without one, the page signs in
   through allauth's app API (core/app-session.js: JWT kept in sessionStorage under
   academy.*), reads the figures (and the academy's name) from the API and draws them the
   same way; "Sign out" forgets the tokens. */
(function () {
  "use strict";

  function el(id) { return document.getElementById(id); }
  var source = JSON.parse(el("dashboard-data").textContent);
  var T = source.strings;
  var LANG = document.documentElement.lang || "fr";
  var ORGANIZATION = document.body.dataset.organization;
  var GOLD = "#D4AF37";
  var BLACK = "#000000";
  var charts = {};

  function say(text) {
    var box = el("message");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function moneyText(value, currency) {
    var zeroDecimals = currency === "XOF";
    try {
      return new Intl.NumberFormat(LANG, {
        style: "currency",
        currency: currency,
        maximumFractionDigits: zeroDecimals ? 0 : 2
      }).format(zeroDecimals ? value : value / 100);
    } catch (error) {
      return String(value) + " " + currency;
    }
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
    var rows = figures.formations;
    var body = el("formations").querySelector("tbody");
    body.textContent = "";
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      cell(tr, row.title);
      cell(tr, row.enrolments_active, true);
      cell(tr, row.enrolments_pending, true);
      cell(tr, row.sessions_held, true);
      cell(tr, Math.round(row.attendance_rate * 100), true);
      cell(tr, moneyText(row.revenue, row.currency), true);
      body.appendChild(tr);
    });
    el("dashboard-view").hidden = false;
    if (typeof Chart === "undefined") return;
    var labels = rows.map(function (row) { return row.title; });
    chart("chart-enrolments", {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          { label: T.enrolments, data: rows.map(function (r) { return r.enrolments_active; }), backgroundColor: GOLD },
          { label: T.attendance, data: rows.map(function (r) { return Math.round(r.attendance_rate * 100); }), backgroundColor: BLACK }
        ]
      },
      options: { maintainAspectRatio: false }
    });
    chart("chart-revenue", {
      type: "bar",
      data: {
        labels: labels,
        datasets: [{
          label: T.revenue,
          data: rows.map(function (r) { return r.currency === "XOF" ? r.revenue : r.revenue / 100; }),
          backgroundColor: GOLD
        }]
      },
      options: { maintainAspectRatio: false }
    });
  }

  function show(view) {
    el("login-view").hidden = view !== "login";
    el("dashboard-view").hidden = view !== "dashboard";
    // Signed in (the figures shown or refused): the way to sign in as someone else.
    el("logout").hidden = view === "login";
  }

  function signedOut() {
    show("login");
    document.body.dataset.ready = "1";
  }

  var session = new window.TerangaSession({
    prefix: "academy",
    api: "/api/v1/",
    messages: T,
    onExpired: signedOut
  });

  function load() {
    var organization = "organizations/" + ORGANIZATION + "/";
    return session.get("academy/" + organization + "dashboard/", {}).then(function (answer) {
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
      // The academy's name in the header (its public card: the dashboard's reader may see it).
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
