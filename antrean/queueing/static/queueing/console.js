// Counter console: keyboard shortcuts, a live queue panel and running timers.
// Everything works without this file: each action is a plain form POST.
(function () {
  "use strict";

  var REFRESH_MS = 4000;

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  // Shortcuts: the key printed on a button (data-shortcut) presses it.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (typing(event.target)) return;
    var key = (event.key || "").toLowerCase();
    if (key.length !== 1) return;
    var button = document.querySelector('button[data-shortcut="' + key + '"]:not([disabled])');
    if (!button) return;
    event.preventDefault();
    var focus = button.getAttribute("data-focus");
    var field = focus && document.querySelector(focus);
    if (field && !field.value) {
      field.focus(); // transfer: choose the service first
      return;
    }
    if (button.form && button.form.requestSubmit) {
      button.form.requestSubmit(button);
    } else {
      button.click();
    }
  });

  // A confirmation for moves that cannot be undone (no-show, cancel).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    var buttons = form.querySelectorAll("button[type=submit]");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true; // no double submit
  });

  // The queue panel refreshes itself, unless the officer is working in it.
  var panel = document.getElementById("queue-panel");
  if (panel && window.fetch) {
    var url = panel.getAttribute("data-url");
    var busy = false;
    var refresh = function () {
      if (busy || document.hidden) return;
      if (panel.contains(document.activeElement) || panel.querySelector("details[open]")) return;
      busy = true;
      fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (response.redirected || response.status === 403) {
            window.location.reload(); // session ended or rights changed
            return null;
          }
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          if (html !== null && html !== undefined &&
              !panel.contains(document.activeElement) && !panel.querySelector("details[open]")) {
            panel.innerHTML = html;
          }
        })
        .catch(function () { /* offline for a moment: try again on the next tick */ })
        .then(function () { busy = false; });
    };
    window.setInterval(refresh, REFRESH_MS);
  }

  // Running "serving for" clocks.
  var clocks = document.querySelectorAll("[data-since]");
  if (clocks.length) {
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var tick = function () {
      var now = Date.now();
      for (var i = 0; i < clocks.length; i++) {
        var since = Date.parse(clocks[i].getAttribute("data-since"));
        if (isNaN(since)) continue;
        var seconds = Math.max(0, Math.floor((now - since) / 1000));
        var h = Math.floor(seconds / 3600);
        var m = Math.floor((seconds % 3600) / 60);
        clocks[i].textContent = (h ? h + ":" + pad(m) : m) + ":" + pad(seconds % 60);
      }
    };
    tick();
    window.setInterval(tick, 1000);
  }
})();
