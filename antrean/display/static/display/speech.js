/* Indonesian number words, the same rules as antrean/display/speech.py (tested against it).
   "A-007" → "A tujuh", 1999 → "seribu sembilan ratus sembilan puluh sembilan". */
(function (global) {
  "use strict";
  var ONES = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"];
  var SCALES = [[1e12, "triliun"], [1e9, "miliar"], [1e6, "juta"]];

  function withRest(head, rest) {
    return rest ? head + " " + numberWords(rest) : head;
  }

  function numberWords(n) {
    n = Math.floor(Number(n));
    if (n < 0) return "minus " + numberWords(-n);
    if (n < 10) return ONES[n];
    if (n === 10) return "sepuluh";
    if (n === 11) return "sebelas";
    if (n < 20) return ONES[n - 10] + " belas";
    if (n < 100) return withRest(ONES[Math.floor(n / 10)] + " puluh", n % 10);
    if (n < 200) return withRest("seratus", n - 100);
    if (n < 1000) return withRest(ONES[Math.floor(n / 100)] + " ratus", n % 100);
    if (n < 2000) return withRest("seribu", n - 1000);
    if (n < 1e6) return withRest(numberWords(Math.floor(n / 1000)) + " ribu", n % 1000);
    for (var i = 0; i < SCALES.length; i++) {
      if (n >= SCALES[i][0]) {
        return withRest(numberWords(Math.floor(n / SCALES[i][0])) + " " + SCALES[i][1], n % SCALES[i][0]);
      }
    }
    return String(n);
  }

  function spokenNumber(number) {
    var match = /^\s*([A-Za-z]*)[\s-]*(\d+)\s*$/.exec(number || "");
    if (!match) return String(number || "").trim();
    var words = numberWords(parseInt(match[2], 10));
    var spelled = match[1].toUpperCase().split("").join(" ");
    return spelled ? spelled + " " + words : words;
  }

  function announcementText(number, counter) {
    var text = "Nomor antrean " + spokenNumber(number);
    if (counter !== null && counter !== undefined && counter !== "") {
      text += ", silakan ke loket " + numberWords(counter);
    }
    return text;
  }

  global.antreanSpeech = {
    numberWords: numberWords,
    spokenNumber: spokenNumber,
    announcementText: announcementText,
  };
})(window);
