// "I have read this" on a diary warning: the server remembers, and the warning leaves the page.
"use strict";
(() => {
  const button = document.querySelector("[data-notice-seen]");
  if (!button) return;
  button.addEventListener("click", async () => {
    const box = document.getElementById("care-notice");
    const error = box.querySelector(".notice-error");
    button.disabled = true;
    const response = await fetch(`/api/care/diary/${button.dataset.noticeSeen}/notice-seen`, { method: "POST" })
      .catch(() => null);
    if (response && response.ok) {
      box.remove();
      return;
    }
    error.textContent = "That did not reach pelvicore; the warning stays until it does. Please try again.";
    error.hidden = false;
    button.disabled = false;
  });
})();
