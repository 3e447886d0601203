/* The waiting-room board: connects anonymously to /ws/smartqueue/branches/<id>/display/,
   shows who is called to which counter, the last calls and the waiting counts; a chime
   (Web Audio) and a highlight on each new call. */
(function () {
  "use strict";
  var body = document.body;
  var branchId = body.dataset.branch;
  var state = { current: [], recent: [], queues: [] };
  var RECENT = 8;
  var audio = null;

  function el(id) { return document.getElementById(id); }

  function chime() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
      var now = audio.currentTime;
      [659.25, 880, 1318.5].forEach(function (freq, i) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = "sine";
        osc.frequency.value = freq;
        var start = now + i * 0.22;
        gain.gain.setValueAtTime(0.0001, start);
        gain.gain.exponentialRampToValueAtTime(0.35, start + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.9);
        osc.connect(gain).connect(audio.destination);
        osc.start(start);
        osc.stop(start + 1);
      });
      body.dataset.chimes = String(Number(body.dataset.chimes || 0) + 1);
    } catch (e) { /* no audio: the highlight still shows */ }
  }

  function item(call, big) {
    var li = document.createElement("li");
    li.className = big ? "call" : "recent-call";
    li.dataset.number = call.number;
    var number = document.createElement("span");
    number.className = "number";
    number.textContent = call.number;
    var counter = document.createElement("span");
    counter.className = "counter";
    counter.textContent = call.counter || "";
    li.appendChild(number);
    li.appendChild(counter);
    if (call.status === "serving") li.classList.add("serving");
    return li;
  }

  function render() {
    var current = el("current");
    current.replaceChildren.apply(current, state.current.map(function (c) { return item(c, true); }));
    el("empty").hidden = state.current.length > 0;
    var recent = el("recent");
    recent.replaceChildren.apply(recent, state.recent.slice(0, RECENT).map(function (c) { return item(c, false); }));
    var queues = el("queues");
    queues.replaceChildren.apply(queues, state.queues.map(function (q) {
      var span = document.createElement("span");
      span.className = "queue" + (q.is_open ? "" : " closed");
      span.textContent = q.prefix + " : " + q.waiting;
      return span;
    }));
  }

  function flash(call) {
    var box = el("flash");
    el("flash-number").textContent = call.number;
    el("flash-counter").textContent = call.counter || "";
    box.hidden = false;
    clearTimeout(flash.timer);
    flash.timer = setTimeout(function () { box.hidden = true; }, 6000);
    var row = el("current").querySelector('[data-number="' + call.number + '"]');
    if (row) row.classList.add("new");
  }

  function without(list, number) {
    return list.filter(function (c) { return c.number !== number; });
  }

  function apply(event, meta) {
    if (event.queues) state.queues = event.queues;
    if (event.type === "call") {
      var call = { number: event.number, counter: event.counter, prefix: event.prefix, status: "called", at: event.at };
      state.current = [call].concat(without(state.current, event.number));
      state.recent = [call].concat(without(state.recent, event.number)).slice(0, 10);
      render();
      if (!meta.replayed) { flash(call); chime(); }
      body.dataset.lastCall = event.number;
    } else if (event.type === "serving") {
      state.current.forEach(function (c) { if (c.number === event.number) c.status = "serving"; });
      render();
    } else if (event.type === "clear") {
      state.current = without(state.current, event.number);
      render();
    } else {
      render();
    }
  }

  var socket = new window.LiveSocket({
    url: function () { return window.LiveSocket.wsBase() + "/ws/smartqueue/branches/" + branchId + "/display/"; },
    onSnapshot: function (data) {
      state.current = data.current || [];
      state.recent = data.recent || [];
      state.queues = data.queues || [];
      render();
      body.dataset.ready = "1";
    },
    onEvent: apply,
    onState: function (value) {
      var dot = el("connection");
      dot.dataset.state = value;
      dot.className = "connection " + value;
    },
    onClose: function (code) { return code !== 4404; }
  });

  el("sound").addEventListener("click", function () {
    audio = audio || new (window.AudioContext || window.webkitAudioContext)();
    audio.resume();
    el("sound").hidden = true;
  });
  function tick() {
    el("clock").textContent = new Date().toLocaleTimeString(document.documentElement.lang || "fr", { hour: "2-digit", minute: "2-digit" });
  }
  tick();
  setInterval(tick, 10000);
  window.smartqueueBoard = socket; // for diagnostics (and the browser tests)
  socket.start();
})();
