// Follows a held place while the citizen proves the number from WhatsApp: when the webhook
// has confirmed it, the page moves on to the booking by itself (without JavaScript, the
// "periksa" button does the same). The remaining time is shown as it runs down.
(function () {
  "use strict";
  var url = window.location.pathname + "?format=json";
  var timer = document.querySelector("[data-hold-timer]");
  var expires = timer ? Date.parse(timer.getAttribute("data-expires")) : NaN;

  function check() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.status !== "held") {
          window.location.reload();
        }
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }

  function tick() {
    if (!timer || isNaN(expires)) return;
    var left = Math.max(0, Math.round((expires - Date.now()) / 1000));
    var minutes = Math.floor(left / 60);
    var seconds = String(left % 60).padStart(2, "0");
    timer.setAttribute("data-left", minutes + ":" + seconds);
    if (left === 0) window.location.reload();
  }

  window.setInterval(check, 3000);
  window.setInterval(tick, 1000);
  tick();
})();
