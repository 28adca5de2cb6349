// Every page's requests to the server: changes carry the page's security token (CSRF), a sign-in that has
// ended (timed out, signed out elsewhere) sends her to the sign-in page instead of failing silently, and her time
// zone goes along so the server counts her days (today's sets, a plan's weeks) as her own calendar does.
"use strict";
(() => {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && /^[A-Za-z0-9_+\/-]{1,64}$/.test(zone)) {
    const secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = `pelvicore_tz=${zone}; path=/; max-age=31536000; SameSite=Lax${secure}`;
  }
  const meta = document.querySelector('meta[name="csrf-token"]');
  const token = meta ? meta.content : "";
  const nativeFetch = window.fetch.bind(window);
  const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

  window.fetch = async (input, init = {}) => {
    const request = new Request(input, init);
    const sameOrigin = new URL(request.url, location.href).origin === location.origin;
    let options = init;
    if (sameOrigin && token && !SAFE.has(request.method.toUpperCase())) {
      const headers = new Headers(init.headers || (input instanceof Request ? input.headers : undefined));
      headers.set("X-CSRF-Token", token);
      options = { ...init, headers };
    }
    const response = await nativeFetch(input, options);
    if (sameOrigin && response.status === 401 && token) {
      location.assign("/signin?next=" + encodeURIComponent(location.pathname + location.search));
    }
    return response;
  };

  // A JSON request to the API: its answer (null for 204), or an Error whose message says what went wrong in
  // words — the server's own sentence, each field's problem, or the status — and whose .status is the code.
  const sendJSON = async (method, url, body) => {
    const response = await window.fetch(url, {
      method,
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.ok) return response.status === 204 ? null : response.json();
    const data = await response.json().catch(() => ({}));
    const detail = typeof data.detail === "string" ? data.detail
      : Array.isArray(data.detail) ? data.detail.map((d) => `${(d.loc || []).slice(-1)[0]}: ${d.msg}`).join("; ")
      : response.status === 404 ? "it was not found" : "the server answered " + response.status;
    throw Object.assign(new Error(detail), { status: response.status });
  };
  window.pelvicore = Object.assign(window.pelvicore || {}, { sendJSON });
})();
