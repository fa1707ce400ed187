// The projection: one section of the synthesis at a time, in large type, following the
// store live. Sections come rendered by the server (the report's own renderer); this script
// only chooses which one shows, and the text size, kept by this projector's browser.
import { makeBanner } from "./banner.js";
import { listen } from "./live.js";
import { keyOutOfAddress, say } from "./messages.js";

const config = JSON.parse(document.getElementById("ccm-donnees").textContent);
const SIZE_KEY = "ccm-projection-taille";
const SMALLEST = 50;
const LARGEST = 250;
const STEP = 10;

keyOutOfAddress();

const main = document.getElementById("projection");
const banner = makeBanner();
const previous = document.getElementById("precedente");
const next = document.getElementById("suivante");
const smaller = document.getElementById("plus-petit");
const larger = document.getElementById("plus-grand");
const sizeLabel = document.getElementById("taille");
let index = 0;
let size = Number(localStorage.getItem(SIZE_KEY)) || 100;

function sections() {
  return [...main.querySelectorAll("section.section")];
}

function show() {
  const all = sections();
  index = Math.min(Math.max(index, 0), all.length - 1);
  all.forEach((section, n) => { section.hidden = n !== index; });
  previous.disabled = index <= 0;
  next.disabled = index >= all.length - 1;
}

function resize(by = 0) {
  size = Math.min(Math.max(Math.round((size + by) / STEP) * STEP, SMALLEST), LARGEST);
  try {
    localStorage.setItem(SIZE_KEY, String(size));
  } catch {
    // a browser that keeps nothing: the size holds until the page is reloaded
  }
  main.style.setProperty("--ccm-scale", (size / 100).toFixed(2));
  sizeLabel.textContent = say("textSize", { size });
  smaller.disabled = size <= SMALLEST;
  larger.disabled = size >= LARGEST;
}

function render(found) {
  const shown = sections()[index]?.dataset.key;
  main.textContent = "";
  found.sections.forEach((section, n) => {
    const box = document.createElement("section");
    box.className = "section";
    box.dataset.key = section.key;
    const where = document.createElement("p");
    where.className = "where";
    where.textContent = say("sectionWhere", { index: n + 1, total: found.sections.length, count: section.count });
    const table = document.createElement("div");
    table.innerHTML = section.html; // rendered and escaped by the server's report renderer
    box.append(where, ...table.childNodes);
    main.append(box);
  });
  const keys = found.sections.map((section) => section.key);
  if (keys.includes(shown)) index = keys.indexOf(shown);
  show();
}

previous.addEventListener("click", () => { index -= 1; show(); });
next.addEventListener("click", () => { index += 1; show(); });
smaller.addEventListener("click", () => resize(-STEP));
larger.addEventListener("click", () => resize(STEP));
document.addEventListener("keydown", (event) => {
  if (event.key === "ArrowRight" || event.key === "PageDown") { index += 1; show(); }
  if (event.key === "ArrowLeft" || event.key === "PageUp") { index -= 1; show(); }
});

let digest = config.digest;
listen({
  url: `${config.api}/evenements`,
  version: config.version,
  kind: "synthese",
  onData: (found) => {
    if (found.digest !== digest) {
      digest = found.digest;
      render(found);
    }
  },
  onDown: () => banner.down(say("offlineView")),
  onUp: () => banner.up(),
  onRefused: (data) => banner.refused(data.message || say("refused")),
  probe: async () => {
    try {
      const response = await fetch(config.api, { credentials: "same-origin", cache: "no-store" });
      if ([403, 404].includes(response.status)) {
        banner.refused((await response.json()).message || say("refused"));
        return "refused";
      }
      if (response.ok) render(await response.json());
      return response.ok ? "ok" : "offline";
    } catch {
      return "offline";
    }
  },
});
resize();
show();
