/* The organiser's dashboard, drawn with the vendored Chart.js.

   With a Django session the server wrote the figures in #dashboard-data (the same JSON
   as GET /api/v1/campus/dashboard/). Without one, the page signs in through allauth's
   app API (core/app-session.js: JWT kept in sessionStorage under campus.*), reads the
   figures from the API with the page's query (period, from, to) and draws them the
   same way. */
(function () {
  "use strict";

  function el(id) { return document.getElementById(id); }
  var source = JSON.parse(el("dashboard-data").textContent);
  var T = source.strings;
  var LANG = document.documentElement.lang || "fr";
  var ORGANIZATION = document.body.dataset.organization;
  var green = "#0b5d3b";
  var amber = "#d98e04";
  var charts = {};

  function say(text) {
    var box = el("message");
    box.textContent = text || "";
    box.hidden = !text;
  }

  function amount(money) { return money ? money.amount : 0; }

  function moneyText(value, currency) {
    try {
      return new Intl.NumberFormat(LANG, {
        style: "currency",
        currency: currency,
        maximumFractionDigits: currency === "XOF" ? 0 : 2
      }).format(currency === "XOF" ? value : value / 100);
    } catch (error) {
      return String(value) + " " + currency;
    }
  }

  function rating(average, count) {
    if (average === null || average === undefined) return "\u2014";
    var text = new Intl.NumberFormat(LANG, { maximumFractionDigits: 2 }).format(average);
    return count === undefined ? text + "\u00a0/\u00a05" : text + "\u00a0(" + count + ")";
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

  function draw(figures) {
    var currency = figures.currency;
    var totals = figures.totals;
    el("organization-name").textContent = figures.organization.name;
    el("time-zone").textContent = figures.time_zone;
    el("from").value = figures.date_from;
    el("to").value = figures.date_to;
    el("total-events").textContent = totals.events;
    el("total-tickets").textContent = totals.tickets_sold;
    el("total-revenue").textContent = totals.revenue.display;
    el("total-views").textContent = totals.views;
    el("total-checkin").textContent = Math.round(totals.checkin_rate * 100) + "\u00a0%";
    el("total-rating").textContent = rating(figures.rating.average);
    el("total-reviews").textContent = figures.rating.count;

    var body = el("top-events").querySelector("tbody");
    body.textContent = "";
    figures.top_events.forEach(function (event) {
      var row = document.createElement("tr");
      cell(row, event.title);
      cell(row, event.starts_at.slice(0, 10));
      cell(row, event.tickets_sold, true);
      cell(row, event.revenue.display, true);
      cell(row, event.views, true);
      cell(row, rating(event.rating_average, event.reviews_count), true);
      body.appendChild(row);
    });
    if (!figures.top_events.length) {
      var empty = document.createElement("tr");
      cell(empty, T.no_event);
      empty.firstChild.colSpan = 6;
      body.appendChild(empty);
    }

    var periods = figures.revenue_by_period;
    chart("chart-periods", {
      type: "bar",
      data: {
        labels: periods.map(function (row) { return row.period; }),
        datasets: [
          {
            type: "bar",
            label: T.revenue,
            data: periods.map(function (row) { return amount(row.revenue); }),
            backgroundColor: green,
            yAxisID: "revenue"
          },
          {
            type: "line",
            label: T.tickets,
            data: periods.map(function (row) { return row.tickets; }),
            borderColor: amber,
            backgroundColor: amber,
            yAxisID: "tickets"
          }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          revenue: {
            position: "left",
            beginAtZero: true,
            ticks: { callback: function (value) { return moneyText(value, currency); } }
          },
          tickets: {
            position: "right",
            beginAtZero: true,
            grid: { drawOnChartArea: false },
            ticks: { precision: 0 }
          }
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (context) {
                var value = context.parsed.y;
                if (context.dataset.yAxisID === "revenue") value = moneyText(value, currency);
                return context.dataset.label + ": " + value;
              }
            }
          }
        }
      }
    });

    var top = figures.top_events;
    chart("chart-top", {
      type: "bar",
      data: {
        labels: top.map(function (event) { return event.title; }),
        datasets: [
          {
            label: T.tickets,
            data: top.map(function (event) { return event.tickets_sold; }),
            backgroundColor: green
          },
          {
            label: T.views,
            data: top.map(function (event) { return event.views; }),
            backgroundColor: amber
          }
        ]
      },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
    el("dashboard-view").hidden = false;
    document.body.dataset.drawn = "1";
    document.body.dataset.ready = "1";
  }

  // --- Without a session: the API with a token (core/app-session.js) -----------------

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
    prefix: "campus",
    api: "/api/v1/campus/",
    messages: T,
    onExpired: signedOut
  });

  function load() {
    var query = new URLSearchParams(window.location.search);
    var params = { organization: ORGANIZATION };
    ["period", "from", "to", "top_by"].forEach(function (name) { params[name] = query.get(name); });
    return session.get("dashboard/", params).then(function (answer) {
      if (!answer.ok) {
        say(answer.error);
        document.body.dataset.ready = "1";
        document.body.dataset.status = String(answer.status);
        return null;
      }
      say("");
      show("dashboard");
      draw(answer.body);
      return answer.body;
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
