// Learning Hub media: a small tus 1.0 client (creation, HEAD offset, PATCH chunks)
// with a progress bar. Without JavaScript the form posts the file as multipart.
(function () {
  "use strict";
  var form = document.getElementById("media-upload-form");
  if (!form || !window.fetch || !window.Blob) return;
  var endpoint = form.getAttribute("data-tus-endpoint");
  var csrf = form.getAttribute("data-csrf");
  var box = document.getElementById("media-progress");
  var bar = document.getElementById("media-progress-bar");
  var text = document.getElementById("media-progress-text");
  var cancel = document.getElementById("media-cancel");
  // the tenant's chunk size (media setting upload_chunk_bytes); 5 MiB when absent
  var CHUNK = parseInt(form.getAttribute("data-chunk-bytes"), 10) || 5 * 1024 * 1024;
  var next = form.getAttribute("data-next");
  var RETRIES = 5;
  var aborted = false;
  var uploadUrl = null;
  var assetId = null;

  function headers(extra) {
    var h = { "Tus-Resumable": "1.0.0", "X-CSRF-Token": csrf };
    for (var k in extra) h[k] = extra[k];
    return h;
  }
  function say(key) { text.textContent = text.getAttribute("data-" + key); }
  function b64(s) { return btoa(unescape(encodeURIComponent(s))); }
  function problem(response) {
    return response.json().then(function (p) { return p.detail || p.title; },
                                function () { return response.statusText; });
  }
  function offsetOf(url) {
    return fetch(url, { method: "HEAD", headers: headers({}), credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) throw new Error(r.statusText);
        return parseInt(r.headers.get("Upload-Offset"), 10);
      });
  }
  function send(file, offset, tries) {
    if (aborted) return Promise.reject(new Error("cancelled"));
    bar.value = Math.floor((offset / file.size) * 100);
    if (offset >= file.size) return Promise.resolve();
    var chunk = file.slice(offset, Math.min(offset + CHUNK, file.size));
    return fetch(uploadUrl, {
      method: "PATCH",
      credentials: "same-origin",
      headers: headers({ "Content-Type": "application/offset+octet-stream", "Upload-Offset": String(offset) }),
      body: chunk
    }).then(function (r) {
      if (r.status === 204 || r.status === 200) {
        // the last chunk's answer names the asset it made
        assetId = r.headers.get("Media-Asset-Id") || assetId;
        return send(file, parseInt(r.headers.get("Upload-Offset"), 10), RETRIES);
      }
      if (r.status === 409 && tries > 0) {
        return offsetOf(uploadUrl).then(function (o) { return send(file, o, tries - 1); });
      }
      return problem(r).then(function (d) { throw new Error(d); });
    }, function () {
      // the network failed: ask the server how much arrived and go on from there
      if (tries <= 0) throw new Error(text.getAttribute("data-failed"));
      say("resuming");
      return offsetOf(uploadUrl).then(function (o) { say("uploading"); return send(file, o, tries - 1); });
    });
  }
  form.addEventListener("submit", function (event) {
    var input = document.getElementById("media-file");
    var file = input.files && input.files[0];
    if (!file) return;
    event.preventDefault();
    aborted = false;
    assetId = null;
    box.hidden = false;
    bar.value = 0;
    say("uploading");
    fetch(endpoint, {
      method: "POST",
      credentials: "same-origin",
      headers: headers({ "Upload-Length": String(file.size), "Upload-Metadata": "filename " + b64(file.name) })
    }).then(function (r) {
      if (r.status !== 201) return problem(r).then(function (d) { throw new Error(d); });
      uploadUrl = r.headers.get("Location");
      return send(file, 0, RETRIES);
    }).then(function () {
      bar.value = 100;
      say("done");
      var query = "?uploaded=1";
      if (next && assetId) {
        query += "&asset=" + encodeURIComponent(assetId) + "&next=" + encodeURIComponent(next);
      }
      window.location.assign(form.getAttribute("action") + query);
    }).catch(function (error) {
      text.textContent = text.getAttribute("data-failed") + " " + error.message;
    });
  });
  cancel.addEventListener("click", function () {
    aborted = true;
    if (uploadUrl) {
      fetch(uploadUrl, { method: "DELETE", credentials: "same-origin", headers: headers({}) });
    }
    box.hidden = true;
  });
})();
