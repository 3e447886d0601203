/* The manager's KPI page: today's KPIs, next week's arrivals forecast with its 90 %
   interval (the vendored Chart.js), and the counters to open per hour.

   With a Django session the server wrote the figures in #kpi-data (the JSON of
   GET /api/v1/smartqueue/forecast/, /staffing/ and /stats/). Without one, the page signs
   in through allauth's app API (core/app-session.js: JWT in sessionStorage under
   sq.kpi.*), reads the same three endpoints with the page's query (branch, service,
   date) and draws them the same way. */
(function () {
  "use strict";

  function el(id) { return document.getElementById(id); }
  var source = JSON.parse(el("kpi-data").textContent);
  var T = source.strings;
  var LANG = document.documentElement.lang || "fr";
  var ORGANIZATION = document.body.dataset.organization;
  var blue = "#12355b";
  var band = "rgba(217, 142, 4, 0.25)";
  var chart = null;
  var query = new URLSearchParams(window.location.search);

  function say(text) {
    var box = el("message");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function number(value, digits) {
    return new Intl.NumberFormat(LANG, { maximumFractionDigits: digits || 0 }).format(value);
  }

  function minutes(seconds) {
    if (seconds === null || seconds === undefined) return T.unbounded;
    return number(seconds / 60, 1);
  }

  function percent(share) { return number(share * 100, 0) + "\u00a0%"; }

  function cell(row, text, isNumber) {
    var td = document.createElement("td");
    td.textContent = text;
    if (isNumber) td.className = "number";
    row.appendChild(td);
  }

  function options(select, items, chosen) {
    select.textContent = "";
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.id;
      option.textContent = item.name;
      if (item.id === chosen) option.selected = true;
      select.appendChild(option);
    });
  }

  function hourLabel(iso, zone) {
    return new Intl.DateTimeFormat(LANG, {
      weekday: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZone: zone
    }).format(new Date(iso));
  }

  function drawKpis(kpis) {
    el("kpi-issued").textContent = kpis.issued;
    el("kpi-served").textContent = kpis.served;
    el("kpi-wait").textContent = kpis.wait_avg_seconds === null ? "\u2014" : number(kpis.wait_avg_seconds / 60);
    el("kpi-p90").textContent = kpis.wait_p90_seconds === null ? "\u2014" : number(kpis.wait_p90_seconds / 60);
    el("kpi-no-show").textContent = kpis.no_show_rate === null ? "\u2014" : percent(kpis.no_show_rate);
  }

  function drawForecast(forecast, branchId, serviceId) {
    var series = forecast.series;
    var branches = [];
    series.forEach(function (item) {
      if (!branches.some(function (b) { return b.id === item.branch.id; })) branches.push(item.branch);
    });
    branchId = branchId || (branches[0] && branches[0].id);
    var ofBranch = series.filter(function (item) { return item.branch.id === branchId; });
    var services = ofBranch.map(function (item) { return item.service; });
    var chosen = ofBranch.filter(function (item) { return item.service.id === serviceId; })[0] || ofBranch[0];
    options(el("branch"), branches, branchId);
    options(el("service"), services, chosen && chosen.service.id);
    el("time-zone").textContent = forecast.time_zone;
    el("computed-at").textContent = forecast.computed_at
      ? new Intl.DateTimeFormat(LANG, { dateStyle: "medium", timeStyle: "short", timeZone: forecast.time_zone }).format(new Date(forecast.computed_at))
      : "\u2014";
    if (!chosen) {
      say(T.no_forecast);
      if (chart) { chart.destroy(); chart = null; }
      return;
    }
    var points = chosen.points;
    if (chart) chart.destroy();
    chart = new Chart(el("chart-forecast"), {
      type: "line",
      data: {
        labels: points.map(function (p) { return hourLabel(p.hour_start, forecast.time_zone); }),
        datasets: [
          {
            label: T.high,
            data: points.map(function (p) { return p.high; }),
            borderColor: "rgba(0,0,0,0)",
            backgroundColor: band,
            pointRadius: 0,
            fill: "+1"
          },
          {
            label: T.low,
            data: points.map(function (p) { return p.low; }),
            borderColor: "rgba(0,0,0,0)",
            backgroundColor: band,
            pointRadius: 0,
            fill: false
          },
          {
            label: T.expected,
            data: points.map(function (p) { return p.expected; }),
            borderColor: blue,
            backgroundColor: blue,
            pointRadius: 2,
            fill: false
          }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { maxTicksLimit: 14 } } },
        plugins: {
          legend: { labels: { filter: function (item) { return item.datasetIndex !== 1; } } },
          title: { display: true, text: chosen.branch.name + " \u00b7 " + chosen.service.name + " \u00b7 " + T.interval }
        }
      }
    });
  }

  function drawStaffing(staffing) {
    var body = el("staffing").querySelector("tbody");
    body.textContent = "";
    if (!staffing) return;
    el("staffing-day").textContent = staffing.date;
    el("date").value = staffing.date;
    el("counters-available").textContent = staffing.counters_available;
    staffing.hours.forEach(function (hour) {
      var row = document.createElement("tr");
      cell(row, hour.local_hour);
      cell(row, number(hour.expected_arrivals, 1), true);
      cell(row, hour.low + "\u2013" + hour.high, true);
      cell(row, number(hour.service_seconds / 60, 1), true);
      cell(row, hour.counters, true);
      cell(row, minutes(hour.expected_wait_seconds), true);
      cell(row, percent(hour.service_level), true);
      var fewer = hour.one_fewer;
      cell(row, fewer ? fewer.counters + " \u2192 " + minutes(fewer.expected_wait_seconds) : "\u2014", true);
      cell(row, fewer ? percent(fewer.service_level) : "\u2014", true);
      row.dataset.counters = hour.counters;
      body.appendChild(row);
    });
    if (!staffing.hours.length) {
      var empty = document.createElement("tr");
      cell(empty, T.no_hours);
      empty.firstChild.colSpan = 9;
      empty.className = "muted";
      body.appendChild(empty);
    }
  }

  function draw(figures) {
    drawKpis(figures.kpis);
    drawForecast(figures.forecast, figures.branch, figures.service);
    drawStaffing(figures.staffing);
    el("kpi-view").hidden = false;
    document.body.dataset.drawn = "1";
    document.body.dataset.ready = "1";
  }

  // --- Without a session: the API with a token (core/app-session.js) -----------------

  function show(view) {
    el("login-view").hidden = view !== "login";
    el("kpi-view").hidden = view !== "kpi";
    el("logout").hidden = view !== "kpi";
  }

  function signedOut() {
    show("login");
    document.body.dataset.ready = "1";
  }

  var session = new window.TerangaSession({
    prefix: "sq.kpi",
    api: "/api/v1/smartqueue/",
    messages: T,
    onExpired: signedOut
  });

  function failed(answer) {
    say(answer.error);
    document.body.dataset.ready = "1";
    document.body.dataset.status = String(answer.status);
    return null;
  }

  function load() {
    var figures = { branch: query.get("branch"), service: query.get("service") };
    return session.get("forecast/", { organization: ORGANIZATION, days: 7 }).then(function (answer) {
      if (!answer.ok) return failed(answer);
      figures.forecast = answer.body;
      var first = answer.body.series[0];
      figures.branch = figures.branch || (first && first.branch.id);
      var today = answer.body.date_from;
      var reads = [session.get("stats/", { organization: ORGANIZATION, date_from: today, date_to: today })];
      if (figures.branch) {
        reads.push(session.get("staffing/", {
          organization: ORGANIZATION, branch: figures.branch, date: query.get("date")
        }));
      }
      return Promise.all(reads).then(function (answers) {
        var bad = answers.filter(function (a) { return !a.ok; })[0];
        if (bad) return failed(bad);
        figures.kpis = answers[0].body.totals;
        figures.staffing = answers[1] ? answers[1].body : null;
        say("");
        show("kpi");
        draw(figures);
        return figures;
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
    session.signOut().then(signedOut);
  });

  el("branch").addEventListener("change", function () { el("service").value = ""; el("service").disabled = true; });

  if (typeof Chart !== "undefined") {
    Chart.defaults.animation = false;
    Chart.defaults.font.family = "system-ui, sans-serif";
  }
  if (document.body.dataset.mode === "session" && source.figures) {
    draw(source.figures);
  } else if (session.signedIn()) {
    load();
  } else {
    signedOut();
  }
})();
