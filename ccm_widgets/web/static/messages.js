// What every page's script needs first: its sentences, from the server's catalogue (French by
// default), with {fields}; the time as the status line says it; the key out of the address.
const table = JSON.parse(document.getElementById("ccm-messages")?.textContent || "{}");

export function say(name, values = {}) {
  const text = table[name] ?? name;
  return text.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

export function clock(date = new Date()) {
  return date.toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

// The link's key leaves the address bar at once: the server keeps it in an HttpOnly cookie,
// so a reload, a bookmark or a screen on the wall shows no key.
export function keyOutOfAddress() {
  if (!new URLSearchParams(location.search).has("cle")) return;
  const url = new URL(location.href);
  url.searchParams.delete("cle");
  history.replaceState(history.state, "", url.pathname + url.search + url.hash);
}
