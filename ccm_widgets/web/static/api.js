// Requests to the server's API: JSON in and out, the page's write token on every request.
// A request that cannot reach the server (no network, server stopped, or a proxy saying so)
// throws Offline: the caller keeps what was typed and sends it again later.

export class Offline extends Error {}

export class Refusal extends Error {
  constructor(status, data) {
    super(data?.message || String(status));
    this.status = status;
    this.data = data || {};
  }
}

export function makeApi(base, token) {
  return async function call(method, path, { json, body, headers = {}, timeout = 20000 } = {}) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeout);
    const init = {
      method,
      headers: { "X-Ccm-Jeton": token, Accept: "application/json", ...headers },
      credentials: "same-origin",
      cache: "no-store",
      signal: controller.signal,
    };
    if (json !== undefined) {
      init.body = JSON.stringify(json);
      init.headers["Content-Type"] = "application/json";
    } else if (body !== undefined) {
      init.body = body;
    }
    let response;
    try {
      response = await fetch(base + path, init);
    } catch (error) {
      throw new Offline(String(error));
    } finally {
      clearTimeout(timer);
    }
    let data = {};
    try {
      data = await response.json();
    } catch {
      data = {};
    }
    if ([502, 504].includes(response.status)) throw new Offline(String(response.status));
    if (!response.ok) throw new Refusal(response.status, data);
    return data;
  };
}
