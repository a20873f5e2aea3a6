/* The hall's TV board: renders the server's snapshot, applies call events as they come,
   keeps the office clock, and reads each call aloud (a chime, then Indonesian speech).

   Announcements wait in a queue: a new call never cuts off the one being read, and a recall
   is read again. Without speech synthesis, or before sound is enabled, the words are shown
   large on screen instead. */
(function () {
  "use strict";

  var body = document.body;
  var strings = JSON.parse(document.getElementById("board-strings").textContent);
  var ACTIVE = ["called", "serving", "on_hold"];
  var MAX_CALLS = 8;
  var FLASH_MS = 4000;
  var TEXT_ONLY_MS = 5000; // how long a call stays on screen when it is not spoken
  var PAUSE_MS = 700; // between two announcements

  var state = {
    board: JSON.parse(document.getElementById("board-snapshot").textContent),
    offset: 0, // server clock minus this clock, in ms
    soundOn: false,
    queue: [],
    busy: false,
    spoken: [], // every announcement queued, in order (read by the browser tests)
    shownAt: [], // when each event was on screen (Date.now(), read by the browser tests)
    seenCalls: null, // call keys already known, while polling
    voice: null,
  };

  // --- rendering ------------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function counterLabel(number) {
    return strings.counter.replace("%(counter)s", number);
  }

  function gridShape(n) {
    var cols = n <= 1 ? 1 : n <= 4 ? 2 : n <= 9 ? 3 : n <= 12 ? 4 : 5;
    return { cols: cols, rows: Math.max(1, Math.ceil(n / cols)) };
  }

  function renderCounters() {
    var list = document.getElementById("counters");
    var counters = state.board.counters;
    var shape = gridShape(counters.length);
    list.style.setProperty("--cols", shape.cols);
    list.style.setProperty("--rows", shape.rows);
    document.getElementById("counters-empty").hidden = counters.length > 0;
    list.hidden = counters.length === 0;
    var existing = {};
    Array.prototype.forEach.call(list.children, function (node) {
      existing[node.dataset.counter] = node;
    });
    var wanted = counters.map(function (c) { return String(c.number); });
    if (Object.keys(existing).sort().join() !== wanted.slice().sort().join()) {
      list.textContent = "";
      existing = {};
    }
    counters.forEach(function (c) {
      var node = existing[c.number];
      if (!node) {
        node = el("li", "counter");
        node.dataset.counter = c.number;
        var head = el("div", "counter-head");
        head.appendChild(el("p", "counter-name", c.name || counterLabel(c.number)));
        head.appendChild(el("p", "counter-agency", c.agency));
        node.appendChild(head);
        node.appendChild(el("p", "counter-number"));
        node.appendChild(el("p", "counter-state"));
        list.appendChild(node);
      }
      var number = node.querySelector(".counter-number");
      number.textContent = c.ticket || "—";
      number.classList.toggle("is-long", (c.ticket || "").length > 5);
      node.querySelector(".counter-state").textContent =
        (c.status ? strings.status[c.status] || "" : "") + (c.ticket && c.pledged ? " · ✓ " + (strings.pledged || "Pakta") : "");
      node.classList.toggle("is-idle", !c.ticket);
      ACTIVE.forEach(function (s) { node.classList.toggle("is-" + s, c.status === s); });
    });
  }

  var timeFormat = null;
  var clockFormat = null;
  var dateFormat = null;

  function formats() {
    var zone = state.board.office.timezone;
    try {
      clockFormat = new Intl.DateTimeFormat("id-ID", { timeZone: zone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
      timeFormat = new Intl.DateTimeFormat("id-ID", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
      dateFormat = new Intl.DateTimeFormat("id-ID", { timeZone: zone, weekday: "long", day: "numeric", month: "long", year: "numeric" });
    } catch (error) { // a browser without time zone data: the clock shows local time
      clockFormat = new Intl.DateTimeFormat("id-ID", { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
      timeFormat = new Intl.DateTimeFormat("id-ID", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
      dateFormat = new Intl.DateTimeFormat("id-ID", { weekday: "long", day: "numeric", month: "long", year: "numeric" });
    }
  }

  function hhmm(format, date) {
    return format.format(date).replace(/\./g, ":");
  }

  function renderCalls() {
    var list = document.getElementById("calls");
    list.textContent = "";
    var calls = state.board.calls.slice(0, MAX_CALLS);
    document.getElementById("calls-empty").hidden = calls.length > 0;
    list.hidden = calls.length === 0;
    calls.forEach(function (call) {
      var item = el("li", "call");
      item.appendChild(el("span", "call-number", call.number));
      item.appendChild(el("span", "call-counter", call.counter !== null ? counterLabel(call.counter) : ""));
      var meta = el("span", "call-meta");
      if (call.move === "recall") meta.appendChild(el("span", "call-recall", strings.recall + " · "));
      meta.appendChild(document.createTextNode(hhmm(timeFormat, new Date(call.at)) + " · " + call.service));
      item.appendChild(meta);
      list.appendChild(item);
    });
    // As many as fit the screen, whole: a cut-off number would be misread.
    var bottom = list.getBoundingClientRect().bottom;
    var full = false;
    Array.prototype.slice.call(list.children, 1).forEach(function (item) {
      full = full || item.getBoundingClientRect().bottom > bottom + 1;
      item.hidden = full;
    });
  }

  function renderTicker() {
    var ticker = document.getElementById("ticker-text");
    var text = state.board.running_text || "";
    if (ticker.textContent !== text) {
      ticker.textContent = text;
      ticker.style.setProperty("--ticker-seconds", Math.max(15, Math.round(text.length * 0.22)) + "s");
    }
  }

  function tick() {
    var now = new Date(Date.now() + state.offset);
    document.getElementById("clock-time").textContent = hhmm(clockFormat, now);
    var date = dateFormat.format(now);
    var node = document.getElementById("clock-date");
    if (node.textContent !== date) node.textContent = date;
  }

  function render() {
    state.offset = Date.parse(state.board.now) - Date.now();
    renderCounters();
    renderCalls();
    renderTicker();
    tick();
  }

  function flash(node) {
    if (!node) return;
    node.classList.remove("flash");
    void node.offsetWidth; // restart the animation
    node.classList.add("flash");
    setTimeout(function () { node.classList.remove("flash"); }, FLASH_MS);
  }

  // --- state changes ----------------------------------------------------------------------

  function callKey(call) {
    return [call.at, call.number, call.move, call.counter].join("|");
  }

  function onSnapshot(board, fromPoll) {
    var previous = state.seenCalls;
    state.board = board;
    render();
    var keys = board.calls.map(callKey);
    if (fromPoll && previous) {
      // Polling has no events: a call is new when the snapshot lists one not seen before.
      board.calls.slice().reverse().forEach(function (call) {
        if (previous.indexOf(callKey(call)) < 0) announceCall(call);
      });
    }
    state.seenCalls = keys;
  }

  function onEvent(event) {
    var counters = state.board.counters;
    var active = ACTIVE.indexOf(event.status) >= 0;
    counters.forEach(function (c) {
      if (c.ticket === event.number && (!active || c.number !== event.counter)) {
        c.ticket = null;
        c.status = null;
      }
    });
    if (active && event.counter !== null) {
      counters.forEach(function (c) {
        if (c.number === event.counter) {
          c.ticket = event.number;
          c.status = event.status;
          c.pledged = !!event.pledged;
        }
      });
    }
    if (event.announce) {
      state.board.calls.unshift({
        number: event.number, counter: event.counter, service: event.service, at: event.at, move: event.move,
      });
      state.board.calls = state.board.calls.slice(0, MAX_CALLS);
    }
    renderCounters();
    renderCalls();
    state.shownAt.push({ number: event.number, move: event.move, at: Date.now() });
    if (event.announce) {
      flash(document.querySelector('.counter[data-counter="' + event.counter + '"]'));
      flash(document.querySelector("#calls .call"));
      announceCall(event);
    }
  }

  // --- voice ------------------------------------------------------------------------------

  var AudioContextClass = window.AudioContext || window.webkitAudioContext;
  var audio = null;
  try {
    audio = AudioContextClass ? new AudioContextClass() : null;
  } catch (error) {
    audio = null;
  }
  var synth = "speechSynthesis" in window && typeof window.SpeechSynthesisUtterance === "function" ? window.speechSynthesis : null;

  function pickVoice() {
    if (!synth) return;
    var voices = synth.getVoices() || [];
    state.voice = voices.filter(function (v) { return /^id([-_]|$)/i.test(v.lang); })[0] || null;
  }
  if (synth) {
    pickVoice();
    if (typeof synth.addEventListener === "function") synth.addEventListener("voiceschanged", pickVoice);
  }

  function speaking() {
    return state.soundOn && synth !== null;
  }

  function updateVoiceMode() {
    body.classList.toggle("no-voice", !speaking());
  }

  function announceCall(call) {
    var text = call.speech || window.antreanSpeech.announcementText(call.number, call.counter);
    state.spoken.push(text);
    state.queue.push({ number: call.number, counter: call.counter, text: text });
    pump();
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function chime() {
    if (!state.soundOn || !audio || audio.state !== "running") return Promise.resolve();
    var start = audio.currentTime + 0.05;
    [[880, 0], [659.25, 0.5]].forEach(function (tone) {
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      var at = start + tone[1];
      oscillator.type = "sine";
      oscillator.frequency.value = tone[0];
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.6, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 1.1);
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start(at);
      oscillator.stop(at + 1.2);
    });
    return sleep(1500);
  }

  function speak(text) {
    if (!speaking()) return sleep(TEXT_ONLY_MS);
    return new Promise(function (resolve) {
      var utterance = new window.SpeechSynthesisUtterance(text);
      utterance.lang = "id-ID";
      if (state.voice) utterance.voice = state.voice;
      utterance.rate = 0.9;
      var finished = false;
      var guard = null;
      var finish = function () {
        if (finished) return;
        finished = true;
        clearTimeout(guard);
        resolve();
      };
      utterance.onend = finish;
      utterance.onerror = finish;
      // Some engines never fire `end`: go on after a generous time. The next utterance is
      // queued by the engine behind this one (speak() never cancels), so nothing is cut off.
      guard = setTimeout(finish, 5000 + text.length * 120);
      synth.speak(utterance);
    });
  }

  function show(item) {
    document.getElementById("announce-number").textContent = item.number;
    document.getElementById("announce-counter").textContent = item.counter !== null ? counterLabel(item.counter) : "";
    document.getElementById("announce-text").textContent = item.text;
    document.getElementById("announce").hidden = false;
  }

  function hide() {
    document.getElementById("announce").hidden = true;
  }

  function pump() {
    if (state.busy) return;
    var item = state.queue.shift();
    if (!item) {
      hide();
      return;
    }
    state.busy = true;
    show(item);
    chime()
      .then(function () { return speak(item.text); })
      .then(function () { return sleep(PAUSE_MS); })
      .then(function () {
        state.busy = false;
        pump();
      });
  }

  function enableSound() {
    state.soundOn = true;
    if (audio && audio.state !== "running") audio.resume();
    if (synth) {
      // Speaking once inside the click unlocks speech for the rest of the page's life.
      var unlock = new window.SpeechSynthesisUtterance(" ");
      unlock.volume = 0;
      unlock.lang = "id-ID";
      synth.speak(unlock);
      pickVoice();
    }
    document.getElementById("sound-overlay").hidden = true;
    updateVoiceMode();
  }

  function offerSound() {
    var overlay = document.getElementById("sound-overlay");
    if (!audio && !synth) return; // nothing to enable: calls are shown as text
    if (audio && audio.state === "running") { // the kiosk browser allows sound already
      state.soundOn = true;
      return;
    }
    if (audio) {
      // Where sound is allowed without a click, the context starts running on its own a
      // moment after it is made: no need to ask then.
      audio.addEventListener("statechange", function () {
        if (audio.state === "running" && !state.soundOn) enableSound();
      });
    }
    overlay.hidden = false;
    overlay.addEventListener("click", enableSound, { once: true });
    document.addEventListener("keydown", function onKey() {
      document.removeEventListener("keydown", onKey);
      if (!state.soundOn) enableSound();
    });
    overlay.focus();
  }

  // --- connection -------------------------------------------------------------------------

  function onMode(mode) {
    var node = document.getElementById("connection");
    node.className = "connection" + (mode === "polling" ? " is-polling" : "");
    node.textContent = mode === "live" ? "" : strings.modes[mode] || "";
    if (mode === "polling") state.seenCalls = null; // the first poll is the baseline
  }

  formats();
  render();
  state.seenCalls = state.board.calls.map(callKey);
  offerSound();
  updateVoiceMode();
  setInterval(tick, 250);

  var live = new window.AntreanLive({
    wsPath: body.dataset.ws,
    pollUrl: body.dataset.poll,
    pollMs: parseInt(body.dataset.pollMs, 10) || 2000,
    onMessage: function (message) {
      if (message.type === "snapshot") onSnapshot(message.board, false);
      else if (message.type === "event") onEvent(message.event);
    },
    onPoll: function (board) { onSnapshot(board, true); },
    onMode: onMode,
  });
  live.start();

  window.antreanBoard = { state: state, live: live, enableSound: enableSound };
})();
