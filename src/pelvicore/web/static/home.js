// Start a session from the home page form, then open its live page.
document.getElementById("start-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const error = document.getElementById("start-error");
  const body = {
    source: "simulator",
    profile: form.get("profile"),
    routine: form.get("routine"),
    speed: Number(form.get("speed")),
  };
  const response = await fetch("/api/sessions", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    error.textContent = "Could not start the session (" + response.status + ").";
    error.hidden = false;
    return;
  }
  const { id } = await response.json();
  window.location.href = "/sessions/" + id + "/live";
});
