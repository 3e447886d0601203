/* The analytics dashboard: eight cards with their growth, four tabs and the charts of the
   vendored Chart.js.

   With a Django session the server wrote the report in #analytics-data (the JSON of
   GET /api/v1/analytics/sites/{id}/report/). Without one, the page signs in through
   allauth's app API (core/app-session.js: JWT in sessionStorage under analytics.*), reads
   the same endpoint for the chosen period and draws it the same way. */
(function () {
  "use strict";

  function el(id) { return document.getElementById(id); }
  var source = JSON.parse(el("analytics-data").textContent);
  var T = source.strings;
  var LANG = document.documentElement.lang || "fr";
  var SITE = document.body.dataset.site;
  var PERIOD = document.body.dataset.period || "30d";
  var GOLD = "#D4AF37";
  var BLACK = "#111111";
  var PALETTE = [GOLD, BLACK, "#8a6d1d", "#6b7280", "#e9d8a6", "#374151", "#b45309", "#9ca3af"];
  var charts = {};

  function say(text) {
    var box = el("message");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function number(value, digits) {
    return new Intl.NumberFormat(LANG, { maximumFractionDigits: digits || 0 }).format(value);
  }

  function duration(seconds) {
    var minutes = Math.floor(seconds / 60);
    return minutes ? minutes + " min " + (seconds % 60) + " " + T.seconds : seconds + " " + T.seconds;
  }

  var FORMATS = {
    views_per_visit: function (v) { return number(v, 2); },
    bounce_rate: function (v) { return number(v, 1) + "\u00a0%"; },
    conversion_rate: function (v) { return number(v, 1) + "\u00a0%"; },
    visit_duration: duration
  };

  function drawCards(cards) {
    Object.keys(cards).forEach(function (key) {
      var box = document.querySelector('[data-card="' + key + '"]');
      if (!box) return;
      var card = cards[key];
      box.querySelector(".value").textContent = (FORMATS[key] || number)(card.value);
      var growth = box.querySelector(".growth");
      if (card.growth === null || card.growth === undefined) {
        growth.textContent = "\u2014";
        growth.className = "growth";
      } else {
        growth.textContent = (card.growth > 0 ? "\u25b2 +" : card.growth < 0 ? "\u25bc " : "") + number(card.growth, 1) + "\u00a0%";
        // A bounce rate that grows is bad news.
        var good = key === "bounce_rate" ? card.growth < 0 : card.growth > 0;
        growth.className = "growth " + (card.growth === 0 ? "" : good ? "up" : "down");
      }
      growth.dataset.growth = card.growth === null ? "" : String(card.growth);
    });
  }

  function label(name, key) {
    if (key === "devices") return T[name] || name;
    return name || T.direct;
  }

  function drawTable(key, rows, columns) {
    var table = document.querySelector('[data-table="' + key + '"]');
    if (!table) return;
    var body = table.querySelector("tbody");
    body.textContent = "";
    rows.forEach(function (row) {
      var tr = document.createElement("tr");
      columns.forEach(function (column, index) {
        var td = document.createElement("td");
        var value = row[column];
        td.textContent = index === 0 ? label(value, key) : (column === "conversion_rate" ? number(value, 1) + "\u00a0%" : number(value));
        if (index) td.className = "number";
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    if (!rows.length) {
      var empty = document.createElement("tr");
      var td = document.createElement("td");
      td.colSpan = columns.length;
      td.className = "muted";
      td.textContent = T.no_data;
      empty.appendChild(td);
      body.appendChild(empty);
    }
  }

  function chart(id, config) {
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false }, config.options || {});
    charts[id] = new Chart(el(id), config);
  }

  function bucketLabel(iso, interval, zone) {
    var options = interval === "hour" ? { hour: "2-digit", minute: "2-digit" }
      : interval === "month" ? { month: "short", year: "numeric" }
      : { day: "numeric", month: "short" };
    options.timeZone = zone;
    return new Intl.DateTimeFormat(LANG, options).format(new Date(iso));
  }

  function draw(report) {
    drawCards(report.cards);
    el("time-zone").textContent = report.time_zone;
    el("site-name").textContent = report.site.name;
    var series = report.timeseries;
    chart("chart-timeseries", {
      type: "line",
      data: {
        labels: series.map(function (p) { return bucketLabel(p.bucket, report.interval, report.time_zone); }),
        datasets: [
          { label: T.visitors, data: series.map(function (p) { return p.visitors; }), borderColor: GOLD, backgroundColor: "rgba(212,175,55,.25)", fill: true, pointRadius: 2 },
          { label: T.pageviews, data: series.map(function (p) { return p.pageviews; }), borderColor: BLACK, backgroundColor: BLACK, fill: false, pointRadius: 2 }
        ]
      },
      options: { interaction: { mode: "index", intersect: false }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
    chart("chart-devices", {
      type: "doughnut",
      data: {
        labels: report.devices.map(function (r) { return label(r.name, "devices"); }),
        datasets: [{ data: report.devices.map(function (r) { return r.visitors; }), backgroundColor: PALETTE }]
      }
    });
    chart("chart-sources", {
      type: "bar",
      data: {
        labels: report.sources.map(function (r) { return r.name; }),
        datasets: [{ label: T.visitors, data: report.sources.map(function (r) { return r.visitors; }), backgroundColor: GOLD }]
      },
      options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
    drawTable("pages", report.pages, ["name", "visitors", "pageviews"]);
    ["utm_sources", "utm_mediums", "utm_campaigns", "countries", "regions", "cities",
     "entry_pages", "exit_pages", "browsers", "operating_systems"].forEach(function (key) {
      drawTable(key, report[key], ["name", "visitors", "visits"]);
    });
    drawTable("genders", report.demographics.genders, ["name", "visitors"]);
    drawTable("age_ranges", report.demographics.age_ranges, ["name", "visitors"]);
    drawTable("goals", report.goals, ["name", "visitors", "conversion_rate"]);
    var funnels = el("funnels");
    funnels.textContent = "";
    var first = report.funnels[0];
    report.funnels.forEach(function (funnel) {
      var title = document.createElement("h3");
      title.textContent = funnel.name;
      funnels.appendChild(title);
    });
    chart("chart-funnel", {
      type: "bar",
      data: {
        labels: first ? first.steps.map(function (s) { return s.name; }) : [],
        datasets: [{ label: first ? first.name : "", data: first ? first.steps.map(function (s) { return s.visitors; }) : [], backgroundColor: GOLD }]
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
    el("dashboard-view").hidden = false;
    el("export").hidden = false;
    document.body.dataset.drawn = "1";
    document.body.dataset.ready = "1";
  }

  // --- Tabs and period -------------------------------------------------------------------

  Array.prototype.forEach.call(document.querySelectorAll("[data-tab]"), function (button) {
    button.addEventListener("click", function () {
      var tab = button.dataset.tab;
      Array.prototype.forEach.call(document.querySelectorAll("[data-tab]"), function (other) {
        other.setAttribute("aria-selected", String(other === button));
      });
      Array.prototype.forEach.call(document.querySelectorAll("[data-panel]"), function (panel) {
        panel.hidden = panel.dataset.panel !== tab;
      });
      Object.keys(charts).forEach(function (id) { charts[id].resize(); });
    });
  });

  el("period").addEventListener("change", function () {
    var query = new URLSearchParams(window.location.search);
    query.set("period", el("period").value);
    window.location.search = query.toString();
  });

  // --- Without a session: the API with a token (core/app-session.js) --------------------

  function show(view) {
    el("login-view").hidden = view !== "login";
    el("dashboard-view").hidden = view !== "dashboard";
    el("logout").hidden = view !== "dashboard";
  }

  function signedOut() {
    show("login");
    document.body.dataset.ready = "1";
  }

  var session = new window.TerangaSession({
    prefix: "analytics",
    api: "/api/v1/analytics/",
    messages: T,
    onExpired: signedOut
  });

  function load() {
    return session.get("sites/" + SITE + "/report/", { period: PERIOD }).then(function (answer) {
      if (!answer.ok) {
        say(answer.error);
        document.body.dataset.status = String(answer.status);
        document.body.dataset.ready = "1";
        return null;
      }
      say("");
      show("dashboard");
      draw(answer.body);
      return answer.body;
    }).catch(function (error) {
      say(error.message);
      document.body.dataset.ready = "1";
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
    session.signOut().then(signedOut);
  });

  // The CSV export: a file the session's cookie (or the token) may fetch.
  el("export").addEventListener("click", function (event) {
    event.preventDefault();
    var period = encodeURIComponent(PERIOD);
    if (document.body.dataset.mode === "session") {
      window.location.href = "/analytics/" + SITE + "/export.csv?period=" + period;
      return;
    }
    var url = "/api/v1/analytics/sites/" + SITE + "/export/?period=" + period;
    fetch(url, { headers: { Authorization: "Bearer " + session.token() } }).then(function (response) {
      if (!response.ok) throw new Error(T.error + " " + response.status);
      return response.blob();
    }).then(function (blob) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "analytics-" + PERIOD + ".csv";
      link.click();
    }).catch(function (error) { say(error.message); });
  });

  if (typeof Chart !== "undefined") {
    Chart.defaults.animation = false;
    Chart.defaults.font.family = "system-ui, sans-serif";
  }
  if (document.body.dataset.mode === "session" && source.report) {
    draw(source.report);
  } else if (session.signedIn()) {
    load();
  } else {
    signedOut();
  }
})();
