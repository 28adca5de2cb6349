// The start page's phone card: make a one-time sign-in link for her phone and show it as a QR code and as text.
"use strict";
(() => {
  const button = document.getElementById("phone-link-make");
  if (!button) return;
  const box = document.getElementById("phone-link");
  const qr = document.getElementById("phone-link-qr");
  const text = document.getElementById("phone-link-url");
  const expiry = document.getElementById("phone-link-expiry");
  const status = document.getElementById("phone-link-status");

  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = "Making a sign-in link…";
    try {
      const link = await window.pelvicore.sendJSON("POST", "/api/me/phone-link");
      // The SVG is the server's own QR code of the link (no script in it); the page's CSP allows inline SVG.
      qr.innerHTML = link.qr_svg;
      text.textContent = link.url;
      const until = new Date(link.expires_at)
        .toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
      expiry.textContent = `It works once, within ${link.lifetime_min} minutes (until ${until}). ` +
        "Making a new link does not end this one.";
      box.hidden = false;
      status.textContent = "Your sign-in link is ready: scan the code with your phone's camera.";
      button.textContent = "Make another sign-in link";
    } catch (err) {
      status.textContent = "Could not make a sign-in link: " + err.message + ".";
    } finally {
      button.disabled = false;
    }
  });
})();
