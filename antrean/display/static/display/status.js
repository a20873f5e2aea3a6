/* A ticket's live status on its owner's phone: people ahead, estimated wait, the numbers
   being called, a banner when the turn is near and a full-width one when called. */
(function () {
  "use strict";

  var root = document.getElementById("live-status");
  var strings = JSON.parse(document.getElementById("status-strings").textContent);
  var baseTitle = document.title;
  var state = {
    status: JSON.parse(document.getElementById("status-initial").textContent),
    shownAt: [], // when each update was on screen (Date.now(), read by the browser tests)
  };

  function byId(id) {
    return document.getElementById(id);
  }

  function fill(template, counter) {
    return template.replace("%(counter)s", counter);
  }

  function render(status, previous) {
    if (previous && previous.status !== "done" && status.status === "done" &&
        !document.getElementById("survey-invite")) {
      window.location.reload(); // the survey invitation is drawn by the server
      return;
    }
    byId("ticket-number").textContent = status.number;
    byId("status-label").textContent = status.status_label;
    byId("live-ticket").className = "ticket live-ticket ticket-" + status.status;
    byId("ahead").textContent = status.ahead;
    byId("minutes").textContent = status.minutes;
    byId("live-figures").hidden = status.status !== "waiting";
    var note = strings.notes[status.status] || "";
    byId("status-note").textContent = note;
    byId("status-note").hidden = !note;
    byId("near-banner").hidden = !status.near;
    var called = status.called && status.counter !== null;
    byId("called-banner").hidden = !called;
    byId("called-counter").textContent = called ? fill(strings.go_to, status.counter) : "";
    var pledge = byId("called-pledge");
    if (pledge) pledge.hidden = !(called && status.officer_pledged);
    document.title = called ? fill(strings.title_called, status.counter) : baseTitle;

    var list = byId("now-serving");
    list.textContent = "";
    (status.now_serving.length ? status.now_serving : ["—"]).forEach(function (number) {
      var item = document.createElement("li");
      item.textContent = number;
      if (number === "—") item.className = "none";
      list.appendChild(item);
    });

    var newlyCalled = called && !(previous && previous.called && previous.counter === status.counter);
    if (newlyCalled && previous) {
      if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 800]);
      byId("called-banner").scrollIntoView({ block: "start" });
    }
  }

  function update(status) {
    var previous = state.status;
    state.status = status;
    render(status, previous);
    state.shownAt.push({ status: status.status, called: status.called, at: Date.now() });
  }

  function onMode(mode) {
    byId("connection").textContent = mode === "live" ? "" : strings.modes[mode] || "";
  }

  render(state.status, null);

  var live = new window.AntreanLive({
    wsPath: root.dataset.ws,
    pollUrl: root.dataset.poll,
    pollMs: parseInt(root.dataset.pollMs, 10) || 2000,
    onMessage: function (message) {
      if (message.type === "status") update(message.status);
    },
    onPoll: update,
    onMode: onMode,
  });
  live.start();

  window.antreanStatus = { state: state, live: live };
})();
