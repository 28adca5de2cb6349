// Registers pelvicore's service worker (/sw.js): an offline page when the server cannot be reached, and the
// installable app ("Add to home screen"). Browsers allow it only in a secure context: HTTPS, or this computer.
"use strict";
if ("serviceWorker" in navigator && window.isSecureContext) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((err) => {
      console.warn("pelvicore: the offline page is not available:", err.message);
    });
  });
}
