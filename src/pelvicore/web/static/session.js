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
})();
