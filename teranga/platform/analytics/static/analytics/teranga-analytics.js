/* Teranga web analytics: the small script a page includes to count its views, with no
   cookie and nothing stored in the browser.

     <script defer src="/static/analytics/teranga-analytics.js"
             data-site="PUBLIC_ID"
             data-api="https://teranga.example/api/v1/analytics/collect/"></script>

   data-site  the site's public id (required; GET /api/v1/analytics/sites/ shows it);
   data-api   where to send (default: /api/v1/analytics/collect/ on the script's own host).

   It sends a page view on load and on every history.pushState / popstate of a single-page
   application, and a custom event for a click on any element carrying
   data-analytics-event="name"; pages may call window.terangaAnalytics("name") too.
   CSP-compatible: a file, no inline script, no eval (script-src 'self'); the collection
   host must be allowed by connect-src when the page is on another site. */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script) return;
  var site = script.getAttribute("data-site");
  if (!site) return;
  var api = script.getAttribute("data-api") || new URL("/api/v1/analytics/collect/", script.src).href;
  var lastUrl = null;

  function send(name) {
    var body = JSON.stringify({
      site: site,
      name: name,
      url: window.location.href,
      referrer: document.referrer || ""
    });
    try {
      window.fetch(api, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: body,
        keepalive: true,
        credentials: "same-origin"
      }).catch(function () {});
    } catch (error) { /* an old browser: nothing is counted */ }
  }

  function pageview() {
    if (window.location.href === lastUrl) return;
    lastUrl = window.location.href;
    send("pageview");
  }

  window.terangaAnalytics = function (name) {
    if (typeof name === "string" && name) send(name.slice(0, 60));
  };

  document.addEventListener("click", function (event) {
    var target = event.target && event.target.closest && event.target.closest("[data-analytics-event]");
    if (target) send(target.getAttribute("data-analytics-event").slice(0, 60));
  }, true);

  var push = window.history && window.history.pushState;
  if (push) {
    window.history.pushState = function () {
      push.apply(this, arguments);
      pageview();
    };
    window.addEventListener("popstate", pageview);
  }
  document.body ? pageview() : document.addEventListener("DOMContentLoaded", pageview);
  script.setAttribute("data-sent", "1");
})();
