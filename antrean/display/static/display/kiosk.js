/* Kiosk (anjungan) behaviour. Every page works without it; it adds:
   - the inactivity reset: back to the home screen after data-idle seconds untouched, with a
     visible countdown and a "still here?" overlay for the last seconds;
   - one submission per form (a double tap must not send twice);
   - on the check-in page: a handheld scanner's Enter moves on to the NIK digits, and camera
     scanning of the booking QR where the browser has the BarcodeDetector API;
   - printing the ticket PDF through the browser from a hidden frame. */
(function () {
  "use strict";
  var body = document.body;
  var home = body.getAttribute("data-home");

  // --- inactivity -------------------------------------------------------------------------
  var idle = parseInt(body.getAttribute("data-idle") || "0", 10);
  if (idle > 0 && home) {
    var WARN = 10;
    var left = idle;
    var counters = document.querySelectorAll("[data-idle-seconds]");
    var overlay = document.querySelector("[data-idle-overlay]");
    var show = function () {
      for (var i = 0; i < counters.length; i++) counters[i].textContent = String(left);
      if (overlay) overlay.hidden = left > WARN;
    };
    var touch = function () { left = idle; show(); };
    ["pointerdown", "keydown", "input", "wheel", "touchstart", "scroll"].forEach(function (name) {
      window.addEventListener(name, touch, { passive: true, capture: true });
    });
    var stay = document.querySelector("[data-idle-stay]");
    if (stay) stay.addEventListener("click", touch);
    show();
    var tick = window.setInterval(function () {
      left -= 1;
      if (left <= 0) {
        window.clearInterval(tick); // once: a second call would abort the first navigation
        window.location.replace(home);
        return;
      }
      show();
    }, 1000);
  }

  // --- one submission per form -----------------------------------------------------------
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent")) {
        event.preventDefault();
        return;
      }
      form.setAttribute("data-sent", "1");
      var submitter = event.submitter;
      if (submitter && submitter.name) {
        // A disabled button is not sent: carry its value in a hidden field instead.
        var carry = document.createElement("input");
        carry.type = "hidden";
        carry.name = submitter.name;
        carry.value = submitter.value;
        form.appendChild(carry);
      }
      form.querySelectorAll("button").forEach(function (button) {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      });
    });
  });

  // --- check-in: scanner and camera ------------------------------------------------------
  var checkIn = document.querySelector("form[data-check-in]");
  if (checkIn) {
    var code = checkIn.querySelector("#code");
    var last4 = checkIn.querySelector("#nik_last4");
    // A QR may hold the bare code or an address ending in /antrean/<code>/…
    var extract = function (value) {
      var match = /\/antrean\/([0-9A-Za-z]{8})(?:\/|$|\?)/.exec(value);
      if (match) return match[1].toUpperCase();
      return value.replace(/[^0-9A-Za-z]/g, "").toUpperCase().slice(0, 16);
    };
    code.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        code.value = extract(code.value);
        if (!last4.value) {
          event.preventDefault(); // a handheld scanner ends with Enter: go on to the digits
          last4.focus();
        }
      }
    });
    code.addEventListener("change", function () { code.value = extract(code.value); });
    last4.addEventListener("input", function () {
      last4.value = last4.value.replace(/\D/g, "").slice(0, 4);
    });

    var scan = checkIn.querySelector("[data-scan]");
    var canScan = "BarcodeDetector" in window && navigator.mediaDevices &&
      navigator.mediaDevices.getUserMedia;
    if (scan && canScan) {
      window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") === -1) return;
        scan.hidden = false;
        var view = scan.querySelector("[data-scan-view]");
        var video = scan.querySelector("[data-scan-video]");
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        var stream = null;
        var timer = null;
        var stop = function () {
          if (timer) window.clearTimeout(timer);
          timer = null;
          if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
          stream = null;
          view.hidden = true;
        };
        var look = function () {
          if (!stream) return;
          detector.detect(video).then(function (codes) {
            if (codes.length) {
              code.value = extract(codes[0].rawValue || "");
              stop();
              last4.focus();
              return;
            }
            timer = window.setTimeout(look, 250);
          }).catch(function () { timer = window.setTimeout(look, 500); });
        };
        scan.querySelector("[data-scan-start]").addEventListener("click", function () {
          navigator.mediaDevices.getUserMedia({ video: true, audio: false }).then(function (s) {
            stream = s;
            video.srcObject = s;
            view.hidden = false;
            return video.play();
          }).then(look).catch(stop);
        });
        scan.querySelector("[data-scan-stop]").addEventListener("click", stop);
        window.addEventListener("pagehide", stop);
      });
    }
  }

  // --- browser printing of the ticket PDF ------------------------------------------------
  document.querySelectorAll("[data-print-pdf]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var old = document.getElementById("k-print-frame");
      if (old) old.remove();
      var frame = document.createElement("iframe");
      frame.id = "k-print-frame";
      frame.title = link.textContent;
      frame.style.cssText = "position:fixed;width:1px;height:1px;border:0;opacity:0;left:-10px";
      frame.addEventListener("load", function () {
        try {
          frame.contentWindow.focus();
          frame.contentWindow.print();
        } catch (error) {
          window.location.href = link.href; // the PDF viewer has its own print button
        }
      });
      frame.src = link.href;
      document.body.appendChild(frame);
    });
  });
})();
