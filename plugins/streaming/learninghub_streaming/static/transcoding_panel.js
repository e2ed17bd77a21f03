/* The transcoding status panel under a lesson: while the stream is queued or being
   transcoded, asks its status URL every 2 seconds and shows the label (translated on
   the server), the progress bar and, on failure, ffmpeg's message. Stops when the
   stream is ready or failed, or the session is gone. No inline script (CSP). */
(function () {
  "use strict";
  var panels = document.querySelectorAll(".streaming-status[data-status-url]");
  Array.prototype.forEach.call(panels, function (panel) {
    if (panel.dataset.polling) { return; }
    panel.dataset.polling = "1";
    var url = panel.dataset.statusUrl;
    var label = panel.querySelector(".streaming-status-label");
    var bar = panel.querySelector(".streaming-status-progress");
    var error = panel.querySelector(".streaming-status-error");

    function show(data) {
      label.textContent = data.label;
      bar.value = data.progress_percent;
      bar.textContent = data.progress_percent + " %";
      var active = data.status === "queued" || data.status === "processing";
      bar.hidden = !active;
      error.hidden = data.status !== "failed";
      error.textContent = data.error || "";
      return active;
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (response) {
          if (!response.ok) { return null; }
          return response.json();
        })
        .then(function (data) {
          if (data && typeof data.label === "string" && show(data)) {
            window.setTimeout(poll, 2000);
          }
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 2000);
  });
})();
