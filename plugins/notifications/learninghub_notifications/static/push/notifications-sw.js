// The notifications service worker (served at /notifications-sw.js, scope "/"): shows
// each web push the server sends ({"title", "body", "url", "tag", "lang"}, decrypted
// by the browser) and opens its URL on this site when the notification is clicked.
"use strict";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("push", function (event) {
  var message = {};
  if (event.data) {
    try { message = event.data.json(); } catch (e) { message = { body: event.data.text() }; }
  }
  var options = {
    body: message.body || "",
    data: { url: message.url || "/notifications" },
    lang: message.lang || ""
  };
  // the same notification pushed again (a retried delivery) replaces the one shown
  if (message.tag) options.tag = message.tag;
  event.waitUntil(self.registration.showNotification(message.title || self.location.host, options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target;
  try {
    target = new URL((event.notification.data || {}).url || "/notifications", self.location.origin);
  } catch (e) {
    target = new URL("/notifications", self.location.origin);
  }
  if (target.protocol !== "https:" && target.protocol !== "http:") {
    target = new URL("/notifications", self.location.origin);
  }
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true })
    .then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url === target.href && "focus" in windows[i]) return windows[i].focus();
      }
      return self.clients.openWindow(target.href);
    }));
});
