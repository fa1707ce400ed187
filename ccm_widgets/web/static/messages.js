// The page's sentences, from the server's catalogue (French by default), with {fields}.
const table = JSON.parse(document.getElementById("ccm-messages")?.textContent || "{}");

export function say(name, values = {}) {
  const text = table[name] ?? name;
  return text.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

export function clock(date = new Date()) {
  return date.toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}
