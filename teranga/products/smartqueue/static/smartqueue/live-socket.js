/* A WebSocket that reconnects by itself (exponential backoff with jitter, 0.5 s to
   15 s) and resumes: after a reconnection it asks for the events it missed
   ({"type": "resume", "since": <last seq>}). Shared by the board and the console. */
(function () {
  "use strict";
  function LiveSocket(options) {
    this.url = options.url; // a function: the URL may carry a fresh token
    this.protocols = options.protocols || null; // a function too, or null
    this.onSnapshot = options.onSnapshot;
    this.onEvent = options.onEvent;
    this.onState = options.onState || function () {};
    this.onClose = options.onClose || function () {};
    this.lastSeq = null;
    this.attempt = 0;
    this.stopped = false;
    this.ws = null;
    this.pinger = null;
  }
  LiveSocket.prototype.start = function () {
    this.stopped = false;
    this.open();
  };
  LiveSocket.prototype.stop = function () {
    this.stopped = true;
    clearInterval(this.pinger);
    if (this.ws) this.ws.close();
  };
  LiveSocket.prototype.open = function () {
    var self = this;
    var protocols = this.protocols ? this.protocols() : undefined;
    var ws = protocols ? new WebSocket(this.url(), protocols) : new WebSocket(this.url());
    this.ws = ws;
    this.onState("connecting");
    ws.onmessage = function (message) {
      var frame;
      try { frame = JSON.parse(message.data); } catch (e) { return; }
      if (frame.type === "snapshot" || frame.type === "resync") {
        var previous = self.lastSeq;
        self.attempt = 0;
        self.onState("online");
        self.onSnapshot(frame.data, frame.type === "resync");
        self.lastSeq = frame.seq;
        if (frame.type === "snapshot" && previous !== null && previous < frame.seq) {
          // Replay what happened while we were away (already in the snapshot's state):
          // the page marks it without re-announcing each one.
          self.replayUpTo = frame.seq;
          ws.send(JSON.stringify({ type: "resume", since: previous }));
        }
      } else if (frame.type === "event") {
        var replayed = self.replayUpTo !== undefined && frame.seq <= self.replayUpTo;
        if (self.lastSeq === null || frame.seq > self.lastSeq) self.lastSeq = frame.seq;
        self.onEvent(frame.event, { seq: frame.seq, replayed: replayed });
      } else if (frame.type === "resumed") {
        self.replayUpTo = undefined;
      }
    };
    ws.onopen = function () {
      clearInterval(self.pinger);
      self.pinger = setInterval(function () {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ping" }));
      }, 25000);
    };
    ws.onclose = function (event) {
      clearInterval(self.pinger);
      self.onState("offline");
      if (self.stopped) return;
      var permanent = event.code === 4403 || event.code === 4404;
      var retry = self.onClose(event.code);
      if (permanent && !retry) return;
      var delay = Math.min(15000, 500 * Math.pow(2, self.attempt)) * (0.75 + Math.random() / 2);
      self.attempt += 1;
      setTimeout(function () { if (!self.stopped) self.open(); }, delay);
    };
  };
  LiveSocket.wsBase = function () {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
  };
  window.LiveSocket = LiveSocket;
})();
