/* The notification bell: asks /notifications/unread-count every data-poll-seconds
   and puts the label it answers (the count in the user's language, every plural form
   of it) in the bell's polite live region (screen readers hear the
   change once). Stops when the session is gone (401/403); pauses while the page is
   hidden. No framework, no inline script (CSP). */
(function () {
  "use strict";
  var bell = document.getElementById("lh-bell");
  if (!bell || bell.dataset.polling) { return; }
  bell.dataset.polling = "1";
  var region = document.getElementById("lh-bell-count");
  var url = bell.dataset.countUrl;
  var seconds = Math.max(1, parseInt(bell.dataset.pollSeconds, 10) || 30);
  var timer = null;

  function show(count, label) {
    if (String(count) === region.dataset.count) { return; }
    region.dataset.count = String(count);
    region.textContent = label;
    bell.classList.toggle("lh-bell-unread", count > 0);
  }

  function poll() {
    timer = null;
    if (document.hidden) { return; }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) { return null; }
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        if (data === null) { return; }
        if (data && typeof data.unread === "number" && typeof data.label === "string") {
          show(data.unread, data.label);
        }
        schedule();
      })
      .catch(function () { schedule(); });
  }

  function schedule() {
    if (timer === null) { timer = window.setTimeout(poll, seconds * 1000); }
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && timer === null) { poll(); }
  });
  schedule();
})();
