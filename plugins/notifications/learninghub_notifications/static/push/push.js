// Web push on the preferences page (templates/push/panel.jinja2): registers the
// service worker (/notifications-sw.js, scope "/"), subscribes this browser with the
// tenant's VAPID public key and posts the subscription to the server (page session +
// CSRF token); "turn off" tells the server, then unsubscribes the browser.
(function () {
  "use strict";
  var panel = document.getElementById("notifications-push");
  if (!panel) return;
  var data = panel.dataset;
  var status = panel.querySelector("[data-push-status]");
  var enable = panel.querySelector("[data-push-enable]");
  var disable = panel.querySelector("[data-push-disable]");

  function say(text) { status.textContent = text; }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) ||
      !("Notification" in window) || !window.isSecureContext) {
    say(data.unsupported);
    return;
  }

  function keyBytes(text) {
    var base64 = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function registration() {
    return navigator.serviceWorker.register(data.worker, { scope: "/" });
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRF-Token": data.csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response;
    });
  }

  function show(subscription) {
    enable.hidden = !!subscription;
    disable.hidden = !subscription;
    if (subscription) say(data.on);
    else say(Notification.permission === "denied" ? data.denied : data.off);
  }

  function refresh() {
    return registration()
      .then(function (reg) { return reg.pushManager.getSubscription(); })
      .then(show, function () { say(data.unsupported); });
  }

  function sameKey(subscription) {
    var key = subscription.options && subscription.options.applicationServerKey;
    if (!key) return true;
    var mine = keyBytes(data.key), theirs = new Uint8Array(key);
    if (mine.length !== theirs.length) return false;
    for (var i = 0; i < mine.length; i++) if (mine[i] !== theirs[i]) return false;
    return true;
  }

  function subscribe(reg) {
    return reg.pushManager.getSubscription().then(function (existing) {
      // a subscription made for another key (another site on this origin before)
      // cannot be reused: push services refuse pushes signed with a different key
      if (existing && !sameKey(existing)) {
        return existing.unsubscribe().then(function () { return null; });
      }
      return existing;
    }).then(function (existing) {
      return existing || reg.pushManager.subscribe({
        userVisibleOnly: true, applicationServerKey: keyBytes(data.key)
      });
    });
  }

  function busy(button, promise) {
    button.disabled = true;
    say(data.working);
    return promise.then(refresh, function () { say(data.failed); })
      .then(function () { button.disabled = false; });
  }

  enable.addEventListener("click", function () {
    busy(enable, Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") return null;
      return registration().then(subscribe).then(function (subscription) {
        return post(data.subscribe, subscription.toJSON());
      });
    }));
  });

  disable.addEventListener("click", function () {
    busy(disable, registration()
      .then(function (reg) { return reg.pushManager.getSubscription(); })
      .then(function (subscription) {
        if (!subscription) return null;
        return post(data.unsubscribe, { endpoint: subscription.endpoint })
          .then(function () { return subscription.unsubscribe(); });
      }));
  });

  refresh();
})();
