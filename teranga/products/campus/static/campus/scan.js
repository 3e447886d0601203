/* The Campus scanner page: a phone at the door of an event.

   Set up once with a scanner device's setup code (<token>.<signing key>, kept in
   localStorage). Downloads the event's lists and tickets (delta sync, signature checked
   with the signing key), scans QR codes with the camera (vendored jsQR) or a typed code.
   Online, each scan is decided by the server (POST scanner/scans/ with offline: false);
   offline (or when the server cannot be reached), the page decides from its copy on the
   server's rules, keeps the scan in a queue (localStorage) with a nonce and its time,
   and uploads the queue when the network returns (the `online` event, and a retry every
   few seconds). A re-upload never counts twice: the server knows each nonce. */
(function () {
  "use strict";
  var API = "/api/v1/campus/scanner";
  var QR_PREFIX = "TERANGA-CAMPUS:";
  var BATCH = 500;
  var RETRY_MS = 5000;
  var T = JSON.parse(document.getElementById("scan-strings").textContent);
  var LANG = document.documentElement.lang || "fr";
  var store = window.localStorage;

  function el(id) { return document.getElementById(id); }
  function load(key, fallback) {
    try { var v = store.getItem("campus.scan." + key); return v === null ? fallback : JSON.parse(v); }
    catch (e) { return fallback; }
  }
  function save(key, value) { store.setItem("campus.scan." + key, JSON.stringify(value)); }
  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, name) { return values[name]; });
  }
  function say(text) { var box = el("message"); box.textContent = text || ""; box.hidden = !text; }

  var setup = load("setup", null); // {token, key}
  var state = { data: null, busy: false, uploading: null };

  // --- The server -------------------------------------------------------------------

  function api(method, path, body) {
    var options = {
      method: method,
      headers: { Accept: "application/json", "Accept-Language": LANG,
                 Authorization: "Scanner " + setup.token },
      cache: "no-store"
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(API + path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) {
          var error = new Error((json.error && json.error.message) || T.error);
          error.status = response.status;
          throw error;
        }
        return json;
      });
    });
  }

  // --- Signatures: HMAC-SHA256 over the canonical JSON (keys sorted, no spaces) ------

  function canonical(value) {
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    if (value && typeof value === "object") {
      return "{" + Object.keys(value).sort().map(function (k) {
        return JSON.stringify(k) + ":" + canonical(value[k]);
      }).join(",") + "}";
    }
    return JSON.stringify(value);
  }

  function verify(payload) {
    if (!setup.key || !(window.crypto && crypto.subtle)) return Promise.resolve(null);
    var unsigned = {};
    Object.keys(payload).forEach(function (k) { if (k !== "signature") unsigned[k] = payload[k]; });
    var enc = new TextEncoder();
    return crypto.subtle.importKey("raw", enc.encode(setup.key), { name: "HMAC", hash: "SHA-256" },
      false, ["sign"]).then(function (key) {
      return crypto.subtle.sign("HMAC", key, enc.encode(canonical(unsigned)));
    }).then(function (mac) {
      var hex = Array.prototype.map.call(new Uint8Array(mac), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
      return hex === payload.signature;
    });
  }

  // --- Local copy of the event --------------------------------------------------------

  function eventId() { return el("event").value; }
  function listId() { return el("list").value; }
  function direction() {
    var checked = document.querySelector("input[name=direction]:checked");
    return checked ? checked.value : "entry";
  }
  function emptyData() { return { lists: [], tickets: {}, codes: {}, cursor: "" }; }
  function dataKey() { return "data." + eventId(); }

  function merge(data, payload) {
    data.lists = payload.lists;
    payload.tickets.forEach(function (ticket) {
      var old = data.tickets[ticket.id];
      if (old && old.code !== ticket.code) delete data.codes[old.code];
      var presence = {};
      ticket.presence.forEach(function (p) { presence[p.list] = p; });
      ticket.presence = presence;
      data.tickets[ticket.id] = ticket;
      data.codes[ticket.code] = ticket.id;
    });
    data.cursor = payload.cursor;
    data.synced_at = payload.server_time;
  }

  function sync() {
    if (!eventId()) return Promise.resolve();
    var data = state.data || emptyData();
    function page() {
      return api("GET", "/sync/?event=" + encodeURIComponent(eventId()) +
                 "&cursor=" + encodeURIComponent(data.cursor || "")).then(function (payload) {
        return verify(payload).then(function (ok) {
          if (ok === false) {
            document.body.dataset.verified = "0";
            throw new Error(T.tampered);
          }
          if (ok === true) document.body.dataset.verified = "1";
          merge(data, payload);
          return payload.has_more ? page() : null;
        });
      });
    }
    return page().then(function () {
      state.data = data;
      save(dataKey(), data);
      // Scans made here but not uploaded yet stay applied over what was downloaded.
      pending().forEach(function (scan) { if (scan.event === eventId()) applyLocal(scan); });
      showLists();
      document.body.dataset.synced = String(Number(document.body.dataset.synced || 0) + 1);
      refreshStatus();
    });
  }

  function showLists() {
    var select = el("list");
    var chosen = select.value || load("list." + eventId(), "");
    select.innerHTML = "";
    (state.data ? state.data.lists : []).forEach(function (l) {
      var option = document.createElement("option");
      option.value = l.id;
      option.textContent = l.name;
      select.appendChild(option);
    });
    if (chosen) select.value = chosen;
    if (!select.value && select.options.length) select.selectedIndex = 0;
  }

  // --- Deciding offline (the server's rules) ------------------------------------------

  function findTicket(code) {
    var codes = state.data ? state.data.codes : {};
    var id = codes[code] || codes[code.toUpperCase()];
    return id ? state.data.tickets[id] : null;
  }

  function listById(id) {
    return (state.data ? state.data.lists : []).filter(function (l) { return l.id === id; })[0];
  }

  function decide(code, list, dir) {
    var ticket = findTicket(code);
    if (!ticket) return { result: "unknown" };
    if (ticket.status !== "valid") return { result: "cancelled", ticket: ticket };
    if (list.ticket_types.length && list.ticket_types.indexOf(ticket.ticket_type) < 0) {
      return { result: "not_on_list", ticket: ticket };
    }
    if (dir === "exit") return { result: "valid", ticket: ticket };
    var presence = ticket.presence[list.id];
    if (!presence || !presence.first_entry_at) return { result: "valid", ticket: ticket };
    if (!list.allow_reentry || (list.record_exits && presence.inside)) {
      return { result: "already_in", ticket: ticket, at: presence.first_entry_at };
    }
    return { result: "valid", ticket: ticket };
  }

  function applyLocal(scan) {
    if (scan.local_result !== "valid") return;
    var ticket = findTicket(scan.code);
    if (!ticket) return;
    var presence = ticket.presence[scan.list] ||
      (ticket.presence[scan.list] = { list: scan.list, inside: false, first_entry_at: null });
    if (scan.direction === "exit") { presence.inside = false; return; }
    presence.inside = true;
    if (!presence.first_entry_at) presence.first_entry_at = scan.scanned_at;
  }

  // --- The queue ----------------------------------------------------------------------

  function pending() { return load("queue", []); }
  function nonce() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function upload() {
    if (state.uploading) return state.uploading;
    var queue = pending();
    if (!queue.length || !navigator.onLine) return Promise.resolve();
    var batch = queue.slice(0, BATCH);
    var body = batch.map(function (s) {
      return { nonce: s.nonce, code: s.code, list: s.list, direction: s.direction,
               scanned_at: s.scanned_at, offline: true, local_result: s.local_result };
    });
    state.uploading = api("POST", "/scans/", { scans: body }).then(function (report) {
      var sent = {};
      batch.forEach(function (s) { sent[s.nonce] = true; });
      save("queue", pending().filter(function (s) { return !sent[s.nonce]; }));
      document.body.dataset.uploaded = String(Number(document.body.dataset.uploaded || 0) + batch.length);
      say(format(T.uploaded, { count: batch.length }));
      state.uploading = null;
      refreshStatus();
      return pending().length ? upload() : sync();
    }, function (error) {
      state.uploading = null;
      refreshStatus();
      if (error.status === 400) {  // refused as a whole (a list deleted meanwhile): drop it
        var sent = {};
        batch.forEach(function (s) { sent[s.nonce] = true; });
        save("queue", pending().filter(function (s) { return !sent[s.nonce]; }));
        say(error.message);
      }
    });
    return state.uploading;
  }

  // --- A scan -------------------------------------------------------------------------

  function normalize(raw) {
    var code = String(raw || "").trim();
    if (code.toUpperCase().indexOf(QR_PREFIX) === 0) code = code.slice(QR_PREFIX.length).trim();
    return code.slice(0, 64);
  }

  function localTime(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleTimeString(LANG, { hour: "2-digit", minute: "2-digit", hour12: false });
  }

  function localMessage(decision, dir) {
    if (decision.result === "valid") return dir === "exit" ? T.exit : T.valid;
    if (decision.result === "already_in") {
      return decision.at ? format(T.already_in_at, { time: localTime(decision.at) }) : T.already_in;
    }
    return T[decision.result] || decision.result;
  }

  function show(result, message, ticket, offline) {
    var box = el("result");
    box.dataset.result = result;
    box.dataset.offline = offline ? "1" : "0";
    box.textContent = message;
    if (ticket && (ticket.holder_name || ticket.ticket_type_name)) {
      var detail = document.createElement("div");
      detail.className = "detail";
      detail.textContent = [ticket.holder_name, ticket.ticket_type_name].filter(Boolean).join(" · ");
      box.appendChild(detail);
    }
    document.body.dataset.lastResult = result;
    document.body.dataset.scans = String(Number(document.body.dataset.scans || 0) + 1);
    if (navigator.vibrate) navigator.vibrate(result === "valid" ? 80 : [60, 60, 60]);
  }

  function decideOffline(scan, list) {
    var decision = decide(scan.code, list, scan.direction);
    scan.local_result = decision.result;
    scan.event = eventId();
    var queue = pending();
    queue.push(scan);
    save("queue", queue);
    applyLocal(scan);
    save(dataKey(), state.data);
    show(decision.result, localMessage(decision, scan.direction), decision.ticket, true);
    refreshStatus();
  }

  function check(raw) {
    var code = normalize(raw);
    var list = listById(listId());
    if (!code || !list) return Promise.resolve();
    var scan = { nonce: nonce(), code: code, list: list.id, direction: direction(),
                 scanned_at: new Date().toISOString() };
    if (!navigator.onLine) { decideOffline(scan, list); return Promise.resolve(); }
    var body = { nonce: scan.nonce, code: code, list: list.id, direction: scan.direction,
                 scanned_at: scan.scanned_at, offline: false };
    return api("POST", "/scans/", { scans: [body] }).then(function (report) {
      var r = report.results[0];
      show(r.result, r.message, r.ticket ? { holder_name: r.ticket.holder_name,
        ticket_type_name: r.ticket.ticket_type_name } : null, false);
      scan.local_result = r.result;
      applyLocal(scan);
      if (state.data) save(dataKey(), state.data);
    }, function (error) {
      if (error.status) { say(error.message); return; }
      decideOffline(scan, list);  // the network failed: decide here
    });
  }

  // --- Camera -------------------------------------------------------------------------

  var camera = { stream: null, last: "", lastAt: 0 };

  function decodeCanvas(canvas) {
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
    var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    return found ? found.data : null;
  }

  function tick() {
    if (!camera.stream) return;
    var video = el("video");
    if (video.readyState >= 2 && video.videoWidth) {
      var canvas = el("frame");
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext("2d", { willReadFrequently: true }).drawImage(video, 0, 0);
      var text = decodeCanvas(canvas);
      var now = Date.now();
      if (text && (text !== camera.last || now - camera.lastAt > 3000)) {
        camera.last = text;
        camera.lastAt = now;
        document.body.dataset.decoded = text;
        check(text);
      }
    }
    requestAnimationFrame(tick);
  }

  function startCamera() {
    if (camera.stream) return Promise.resolve();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(T.no_camera);
      return Promise.resolve();
    }
    return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (stream) {
        camera.stream = stream;
        var video = el("video");
        video.srcObject = stream;
        video.hidden = false;
        return video.play().then(function () { requestAnimationFrame(tick); });
      }).catch(function () { say(T.no_camera); });
  }

  // Decodes an image (a URL or data: URL): what the camera loop does with each frame.
  function decodeImage(src) {
    return new Promise(function (resolve, reject) {
      var image = new Image();
      image.onload = function () {
        var canvas = document.createElement("canvas");
        canvas.width = image.naturalWidth;
        canvas.height = image.naturalHeight;
        canvas.getContext("2d", { willReadFrequently: true }).drawImage(image, 0, 0);
        resolve(decodeCanvas(canvas));
      };
      image.onerror = reject;
      image.src = src;
    });
  }

  // --- Status and wiring --------------------------------------------------------------

  function refreshStatus() {
    var online = navigator.onLine;
    var dot = el("connection");
    dot.dataset.state = online ? "online" : "offline";
    dot.title = online ? T.online : T.offline;
    var count = pending().length;
    document.body.dataset.pending = String(count);
    el("pending").textContent = format(T.pending, { count: count });
    var tickets = state.data ? Object.keys(state.data.tickets).length : 0;
    el("sync-status").textContent = format(T.synced, { count: tickets });
    if (!online) say(T.offline);
  }

  function loadEvents() {
    return api("GET", "/events/").then(function (page) {
      save("events", page.results);
      return page.results;
    }, function (error) {
      if (error.status === 401) throw error;
      return load("events", []);  // offline: the last known events
    }).then(function (events) {
      var select = el("event");
      var chosen = load("event", "");
      select.innerHTML = "";
      var none = document.createElement("option");
      none.value = "";
      none.textContent = T.choose_event;
      select.appendChild(none);
      events.forEach(function (e) {
        var option = document.createElement("option");
        option.value = e.id;
        option.textContent = e.title;
        select.appendChild(option);
      });
      if (chosen) select.value = chosen;
      if (!select.value && events.length === 1) select.value = events[0].id;
      return selectEvent();
    });
  }

  function selectEvent() {
    save("event", eventId());
    state.data = eventId() ? load(dataKey(), null) || emptyData() : null;
    showLists();
    refreshStatus();
    if (!eventId() || !navigator.onLine) return Promise.resolve();
    return upload().then(sync).catch(function (error) { say(error.message); });
  }

  function showView(name) {
    el("setup-view").hidden = name !== "setup";
    el("scan-view").hidden = name !== "scan";
  }

  function start() {
    if (!setup) { showView("setup"); document.body.dataset.ready = "1"; return; }
    showView("scan");
    loadEvents().catch(function (error) {
      if (error.status === 401) { store.removeItem("campus.scan.setup"); setup = null; showView("setup"); say(T.bad_setup); }
    }).then(function () { document.body.dataset.ready = "1"; });
  }

  el("setup-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var parts = el("setup-code").value.trim().split(".");
    setup = { token: parts[0], key: parts[1] || "" };
    save("setup", setup);
    document.body.dataset.ready = "0";
    start();
  });
  el("manual-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = el("code");
    var value = input.value;
    input.value = "";
    check(value);
  });
  el("event").addEventListener("change", function () { selectEvent(); });
  el("list").addEventListener("change", function () { save("list." + eventId(), listId()); });
  el("camera").addEventListener("click", startCamera);
  el("sync").addEventListener("click", function () {
    upload().then(sync).catch(function (error) { say(error.message); });
  });
  el("forget").addEventListener("click", function () {
    Object.keys(store).forEach(function (k) { if (k.indexOf("campus.scan.") === 0) store.removeItem(k); });
    location.reload();
  });
  window.addEventListener("online", function () {
    say("");
    refreshStatus();
    upload().then(sync).catch(function () {});
  });
  window.addEventListener("offline", refreshStatus);
  setInterval(function () {
    if (setup && navigator.onLine && pending().length) upload();
  }, RETRY_MS);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/campus/scan-sw.js", { scope: "/campus/" }).then(function () {
      document.body.dataset.worker = "1";
    }).catch(function () {});
  }

  window.campusScanner = { check: check, decodeImage: decodeImage, sync: sync, upload: upload };
  start();
})();
