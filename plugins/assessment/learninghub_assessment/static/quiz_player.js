// Quiz player: the countdown (from the server's deadline and clock), announcements
// at thresholds (polite, not every second), autosave of a question when it changes
// (fetch with the CSRF token), a confirmation before submitting. The page works
// without this file: the buttons post the form.
(function () {
  "use strict";
  var script = document.getElementById("quiz-player-script");
  var form = document.getElementById("quiz-form");
  if (!script || !form) return;
  var text = script.dataset;
  var status = document.getElementById("quiz-autosave");

  function csrfToken() {
    var field = form.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  // ---- the sticky bar (timer, autosave status) wraps on narrow screens: keep the
  // scroll padding equal to its height, so that a focused field is never under it
  var bar = document.querySelector(".lh-quiz-bar");
  if (bar && window.ResizeObserver) {
    new ResizeObserver(function () {
      document.documentElement.style.scrollPaddingBlockStart = (bar.offsetHeight + 16) + "px";
    }).observe(bar);
  }

  // ---- timer
  var timer = document.getElementById("quiz-timer");
  var announce = document.getElementById("quiz-timer-announce");
  if (timer) {
    var offset = Date.parse(timer.dataset.serverNow) - Date.now();
    var deadline = Date.parse(timer.dataset.deadline);
    var thresholds = [600, 300, 60, 0];
    var said = {};
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - (Date.now() + offset)) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      timer.textContent = m + ":" + (s < 10 ? "0" : "") + s;
      thresholds.forEach(function (t) {
        if (left <= t && !said[t]) {
          said[t] = true;
          if (left < t - 5) return; // page opened after the threshold: say nothing
          announce.textContent = t === 0 ? text.timeUp
            : t === 60 ? text.minuteLeft
            : text.minutesLeft.replace("%(minutes)s", String(t / 60));
        }
      });
      if (left === 0) {
        clearInterval(handle);
        window.setTimeout(function () { window.location.reload(); }, 1500);
      }
    };
    var handle = setInterval(tick, 1000);
    tick();
  }

  // ---- autosave
  var pending = null;
  function save(fieldset) {
    var data = new FormData();
    var prefix = fieldset.dataset.prefix;
    new FormData(form).forEach(function (value, key) {
      if (key.indexOf(prefix) === 0) data.append(key, value);
    });
    status.textContent = text.saving;
    fetch(form.dataset.autosave, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken(), "Accept": "application/json" }
    }).then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      if (res.ok) { status.textContent = text.saved; return; }
      status.textContent = res.body.error || text.failed;
      if (res.body.closed) window.location.reload();
    }).catch(function () { status.textContent = text.failed; });
  }
  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset[data-prefix]");
    if (fieldset) save(fieldset);
  });
  form.addEventListener("input", function (event) {
    var fieldset = event.target.closest("fieldset[data-prefix]");
    if (!fieldset || event.target.tagName !== "TEXTAREA" && event.target.type !== "text") return;
    clearTimeout(pending);
    pending = setTimeout(function () { save(fieldset); }, 1500);
  });

  // ---- confirmation before submitting
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    } else if (button && button.dataset.confirm) {
      var confirmField = document.createElement("input");
      confirmField.type = "hidden"; confirmField.name = "confirm"; confirmField.value = "1";
      form.appendChild(confirmField);
    }
  });
})();
