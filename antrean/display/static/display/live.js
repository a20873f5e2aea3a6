/* A live connection to the server for the TV board and the status page.

   WebSocket first. A dropped connection is reopened with growing, jittered delays, and the
   server answers every (re)connect with the full state, so nothing missed stays missed.
   When no WebSocket can be opened (no WebSocket object, or `maxFailures` attempts in a row
   fail, as behind some proxies), the page polls `pollUrl` every `pollMs` instead, and keeps
   trying the WebSocket now and then to switch back. */
(function (global) {
  "use strict";

  var REFUSED = [4403, 4404]; // the server said no: retrying will not help
  var WATCHDOG_MS = 15000;
  var RESYNC_MS = 60000; // also keeps idle proxies from closing the socket
  var SILENCE_MS = 75000; // no message for this long: the socket is dead without knowing it
  var RETRY_WHILE_POLLING_MS = 30000;

  function Live(options) {
    this.wsPath = options.wsPath;
    this.pollUrl = options.pollUrl;
    this.pollMs = options.pollMs || 2000;
    this.maxFailures = options.maxFailures || 3;
    this.onMessage = options.onMessage;
    this.onPoll = options.onPoll;
    this.onMode = options.onMode || function () {};
    this.socket = null;
    this.mode = "connecting";
    this.failures = 0; // attempts in a row that never opened
    this.attempt = 0; // reconnects since the last open socket
    this.pollTimer = null;
    this.retryTimer = null;
    this.lastMessageAt = Date.now();
    this.lastResyncAt = Date.now();
    this.connects = 0; // sockets opened so far (tests read it)
  }

  Live.prototype.start = function () {
    var self = this;
    this.connect();
    setInterval(function () { self.watchdog(); }, WATCHDOG_MS);
  };

  Live.prototype.setMode = function (mode) {
    if (this.mode !== mode) {
      this.mode = mode;
      this.onMode(mode);
    }
  };

  Live.prototype.url = function () {
    var scheme = global.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + global.location.host + this.wsPath;
  };

  Live.prototype.connect = function () {
    var self = this;
    clearTimeout(this.retryTimer);
    if (typeof global.WebSocket !== "function") {
      this.startPolling();
      return;
    }
    var socket;
    try {
      socket = new global.WebSocket(this.url());
    } catch (error) {
      this.failures = this.maxFailures;
      this.startPolling();
      return;
    }
    var opened = false;
    this.socket = socket;
    socket.onopen = function () {
      opened = true;
      self.failures = 0;
      self.attempt = 0;
      self.connects += 1;
      self.lastMessageAt = self.lastResyncAt = Date.now();
      self.stopPolling();
      self.setMode("live");
    };
    socket.onmessage = function (event) {
      self.lastMessageAt = Date.now();
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      self.onMessage(message);
    };
    socket.onclose = function (event) {
      if (self.socket !== socket) return;
      self.socket = null;
      if (REFUSED.indexOf(event.code) >= 0) {
        self.setMode("refused");
        return;
      }
      if (!opened) self.failures += 1;
      self.attempt += 1;
      if (self.failures >= self.maxFailures) {
        self.startPolling();
        self.retryTimer = setTimeout(function () { self.connect(); }, RETRY_WHILE_POLLING_MS);
      } else {
        if (self.mode !== "polling") self.setMode("reconnecting");
        self.retryTimer = setTimeout(function () { self.connect(); }, self.delay());
      }
    };
  };

  Live.prototype.delay = function () {
    var base = Math.min(30000, 500 * Math.pow(2, this.attempt));
    return Math.round(base * (0.75 + Math.random() * 0.5));
  };

  Live.prototype.watchdog = function () {
    var socket = this.socket;
    if (!socket || socket.readyState !== 1) return;
    var now = Date.now();
    if (now - this.lastMessageAt > SILENCE_MS) {
      socket.close();
    } else if (now - this.lastResyncAt > RESYNC_MS) {
      this.lastResyncAt = now;
      socket.send(JSON.stringify({ type: "resync" }));
    }
  };

  Live.prototype.resync = function () {
    if (this.socket && this.socket.readyState === 1) {
      this.socket.send(JSON.stringify({ type: "resync" }));
    } else if (this.mode === "polling") {
      this.poll();
    }
  };

  Live.prototype.startPolling = function () {
    this.setMode("polling");
    if (this.pollTimer === null) this.poll();
  };

  Live.prototype.stopPolling = function () {
    clearTimeout(this.pollTimer);
    this.pollTimer = null;
  };

  Live.prototype.poll = function () {
    var self = this;
    clearTimeout(this.pollTimer);
    this.pollTimer = -1; // a poll is in flight
    var next = function () {
      if (self.mode === "polling") {
        self.pollTimer = setTimeout(function () { self.poll(); }, self.pollMs);
      } else {
        self.pollTimer = null;
      }
    };
    global
      .fetch(this.pollUrl, {
        cache: "no-store",
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
      .then(function (response) {
        if (response.status === 403 || response.status === 404) {
          self.setMode("refused");
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (data) {
          self.lastMessageAt = Date.now();
          self.onPoll(data);
        }
      })
      .catch(function () {})
      .then(next);
  };

  global.AntreanLive = Live;
})(window);
