// A group's grid: the rows are already in the page (text areas); this script saves what is
// typed (a second after the last key, or when the field is left), keeps it on the device
// until the server has it, shows the other devices' changes as they come, and says when
// the connection is lost, without ever refusing the typing.
import { makeApi, Offline, Refusal } from "./api.js";
import { makeBanner } from "./banner.js";
import { Drafts } from "./drafts.js";
import { listen } from "./live.js";
import { clock, keyOutOfAddress, say } from "./messages.js";

const config = JSON.parse(document.getElementById("ccm-donnees").textContent);
const FIELDS = config.fields; // in the grid's order (the JSON's keys are sorted)
const SAVE_AFTER = 1000;
const RETRY_EVERY = 3000;

keyOutOfAddress();

const api = makeApi(config.api, config.token);
const banner = makeBanner();
const drafts = new Drafts(`${config.meeting}|${config.section}`);
const list = document.getElementById("lignes");
const template = document.getElementById("modele-ligne");
const status = document.getElementById("statut");
const readonlyNotice = document.getElementById("lecture-seule");
const notice = document.getElementById("avis");
const emptyNote = document.getElementById("vide");
const addButton = document.getElementById("ajouter");
const undoButton = document.getElementById("annuler");

const rows = new Map(); // id -> the row as the server last said it
const seen = new Map(); // "id:field" -> the stored text the field was typed over
const timers = new Map(); // "id:field" -> pending save timer
const inFlight = new Set(); // "id:field" being sent
const conflicts = new Map(); // "id:field" -> {theirs, who}
const deletedHere = []; // ids this page deleted, newest last (to undo)
const offered = new Set(); // "id:field" kept from an earlier visit: sent only when asked
let order = [];
let state = config.state;
let clockOffset = Date.parse(state.now) - Date.now();
let online = true;
let refused = false;
let lastSaved = "";

for (const row of config.rows) {
  rows.set(String(row.id), row);
  for (const field of FIELDS) seen.set(`${row.id}:${field}`, row[field]);
}
order = config.rows.map((row) => String(row.id));

// -- helpers ------------------------------------------------------------------------------

function cellKey(id, field) {
  return `${id}:${field}`;
}

function rowElement(id) {
  return list.querySelector(`li.row[data-id="${CSS.escape(String(id))}"]`);
}

function area(id, field) {
  return rowElement(id)?.querySelector(`textarea[name="${field}"]`) || null;
}

function numberOf(id) {
  const items = [...list.children];
  const index = items.findIndex((li) => li.dataset.id === String(id));
  return index + 1;
}

function tell(text, level = "ok") {
  status.textContent = text;
  status.className = `status ${level === "ok" ? "" : level}`.trim();
}

function warn(text) {
  notice.textContent = text;
  notice.hidden = !text;
}

const growByScript = !(window.CSS && CSS.supports("field-sizing", "content"));
function grow(textarea) {
  if (!growByScript) return;
  textarea.style.height = "auto";
  textarea.style.height = `${Math.min(textarea.scrollHeight + 2, window.innerHeight * 0.7)}px`;
}

function isTemp(id) {
  return String(id).startsWith("t");
}

// -- building rows ------------------------------------------------------------------------

function makeRow(row) {
  const li = template.content.firstElementChild.cloneNode(true);
  li.dataset.id = String(row.id);
  for (const field of FIELDS) {
    const textarea = li.querySelector(`textarea[name="${field}"]`);
    const label = li.querySelector(`label[for$="-${field}"]`);
    textarea.id = `c${row.id}-${field}`;
    label.htmlFor = textarea.id;
    textarea.value = row[field] ?? "";
  }
  wire(li);
  return li;
}

function renumber() {
  [...list.children].forEach((li, index) => {
    const number = index + 1;
    li.querySelector(".num").textContent = String(number);
    for (const hidden of li.querySelectorAll("label .visually-hidden")) {
      hidden.textContent = ` — ${say("rowNumber", { number })}`;
    }
    const buttons = li.querySelectorAll(".row-actions button");
    const names = ["moveUp", "moveDown", "showHistory", "deleteRow"];
    buttons.forEach((button, n) => {
      button.setAttribute("aria-label", `${say(names[n])} — ${say("rowNumber", { number })}`);
    });
  });
  emptyNote.hidden = list.children.length > 0;
}

function wire(li) {
  for (const textarea of li.querySelectorAll("textarea")) {
    grow(textarea);
    textarea.addEventListener("input", () => typed(li.dataset.id, textarea.name, textarea));
    textarea.addEventListener("blur", () => flushCell(li.dataset.id, textarea.name));
    textarea.addEventListener("keydown", (event) => arrows(event, li, textarea));
  }
  li.querySelector(".row-actions").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (button) act(button.dataset.action, li.dataset.id);
  });
}

// Laptops: the arrows leave a text at its first or last line for the next row's text,
// and at its first or last character for the neighbouring column.
function arrows(event, li, textarea) {
  if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const { selectionStart: start, selectionEnd: end, value } = textarea;
  if (start !== end) return;
  let target = null;
  if (event.key === "ArrowUp" && !value.slice(0, start).includes("\n")) {
    target = li.previousElementSibling?.querySelector(`textarea[name="${textarea.name}"]`);
  } else if (event.key === "ArrowDown" && !value.slice(end).includes("\n")) {
    target = li.nextElementSibling?.querySelector(`textarea[name="${textarea.name}"]`);
  } else if (event.key === "ArrowLeft" && start === 0) {
    const index = FIELDS.indexOf(textarea.name);
    if (index > 0) target = li.querySelector(`textarea[name="${FIELDS[index - 1]}"]`);
  } else if (event.key === "ArrowRight" && end === value.length) {
    const index = FIELDS.indexOf(textarea.name);
    if (index < FIELDS.length - 1) target = li.querySelector(`textarea[name="${FIELDS[index + 1]}"]`);
  }
  if (target) {
    event.preventDefault();
    target.focus();
    const at = event.key === "ArrowUp" || event.key === "ArrowLeft" ? target.value.length : 0;
    target.setSelectionRange(at, at);
  }
}

for (const li of list.children) wire(li);

// -- saving a cell ------------------------------------------------------------------------

function typed(id, field, textarea) {
  grow(textarea);
  if (isTemp(id)) {
    drafts.updateRow(id, field, textarea.value);
    if (online) scheduleSend();
    return;
  }
  const key = cellKey(id, field);
  drafts.setCell(id, field, textarea.value, seen.get(key) ?? "");
  textarea.classList.add("pending");
  clearTimeout(timers.get(key));
  timers.set(key, setTimeout(() => saveCell(id, field), SAVE_AFTER));
}

function flushCell(id, field) {
  const key = cellKey(id, field);
  if (timers.has(key)) {
    clearTimeout(timers.get(key));
    saveCell(id, field);
  }
}

async function saveCell(id, field) {
  const key = cellKey(id, field);
  timers.delete(key);
  const textarea = area(id, field);
  const draft = drafts.cell(id, field);
  if (!draft || refused) return;
  const text = textarea ? textarea.value : draft.text;
  if (!online) {
    tell(say("pending"), "warning");
    return;
  }
  if (inFlight.has(key)) {
    timers.set(key, setTimeout(() => saveCell(id, field), 300));
    return;
  }
  inFlight.add(key);
  const base = seen.get(key) ?? draft.seen;
  try {
    const found = await api("PUT", `/lignes/${id}/${field}`, { json: { text, seen: base } });
    settled(found.row);
    seen.set(key, found.row[field]);
    conflicts.delete(key);
    showConflict(id, field);
    drafts.dropCell(id, field, text);
    const current = area(id, field);
    if (current && current.value === text) current.classList.remove("pending", "conflicted");
    else if (current) typed(id, field, current);
    lastSaved = say("saved", {
      time: `${clock()} (${say("savedCell", { row: numberOf(id), column: config.columns[field] })})`,
    });
    tell(lastSaved);
  } catch (error) {
    failed(error, { id, field, text });
  } finally {
    inFlight.delete(key);
  }
}

function settled(row) {
  if (!row) return;
  rows.set(String(row.id), row);
}

function failed(error, cell = null) {
  if (error instanceof Offline) {
    goOffline();
    tell(say("pending"), "warning");
    return;
  }
  if (!(error instanceof Refusal)) {
    tell(say("saveFailed", { error: String(error) }), "error");
    return;
  }
  const { status: code, data } = error;
  if (code === 409 && cell) {
    const key = cellKey(cell.id, cell.field);
    conflicts.set(key, { theirs: data.theirs, who: data.who });
    settled(data.row);
    area(cell.id, cell.field)?.classList.add("conflicted");
    showConflict(cell.id, cell.field);
    tell(data.message, "warning");
    return;
  }
  if (code === 429 || code >= 500) {
    tell(`${data.message || say("failed")} ${say("pending")}`, "warning");
    setTimeout(sendAll, RETRY_EVERY);
    return;
  }
  tell(say("saveFailed", { error: (data.message || "").replace(/[.\s]+$/, "") }), "error");
  if (code === 403) reread();
}

// -- conflicts: both texts, the user chooses ----------------------------------------------

function showConflict(id, field) {
  const li = rowElement(id);
  if (!li) return;
  const notes = li.querySelector(".row-notes");
  const key = cellKey(id, field);
  notes.querySelector(`.conflict[data-field="${field}"]`)?.remove();
  const found = conflicts.get(key);
  if (!found) return;
  const mine = area(id, field)?.value ?? drafts.cell(id, field)?.text ?? "";
  const box = document.createElement("div");
  box.className = "conflict";
  box.dataset.field = field;
  const title = document.createElement("p");
  title.textContent = say("conflict", { column: config.columns[field], who: found.who });
  const texts = document.createElement("div");
  texts.className = "texts";
  for (const [label, text] of [[say("keepTheirs"), found.theirs], [say("keepMine"), mine]]) {
    const quote = document.createElement("blockquote");
    quote.textContent = text || "—";
    quote.setAttribute("aria-label", label);
    texts.append(quote);
  }
  const choices = document.createElement("div");
  choices.className = "choices";
  const keepTheirs = button(say("keepTheirs"), () => resolve(id, field, false));
  const keepMine = button(say("keepMine"), () => resolve(id, field, true));
  choices.append(keepTheirs, keepMine);
  box.append(title, texts, choices);
  notes.append(box);
}

function button(text, onClick, className = "") {
  const made = document.createElement("button");
  made.type = "button";
  made.textContent = text;
  if (className) made.className = className;
  made.addEventListener("click", onClick);
  return made;
}

function resolve(id, field, mine) {
  const key = cellKey(id, field);
  const found = conflicts.get(key);
  if (!found) return;
  const textarea = area(id, field);
  seen.set(key, found.theirs);
  if (mine) {
    drafts.setCell(id, field, textarea ? textarea.value : drafts.cell(id, field)?.text ?? "", found.theirs);
    saveCell(id, field);
    return;
  }
  conflicts.delete(key);
  if (textarea) {
    textarea.value = found.theirs;
    textarea.classList.remove("pending", "conflicted");
    grow(textarea);
  }
  drafts.dropCell(id, field);
  showConflict(id, field);
  tell(say("keptTheirs", { row: numberOf(id), column: config.columns[field], time: clock() }));
}

// -- rows: add, delete, undo, move, history -----------------------------------------------

// A new row is in the page at once, the cursor in its first text: typing never waits for
// the server. It is sent at once (or, offline, kept on the device and sent when the server
// answers), with whatever was typed in it by then.
function addRow() {
  if (!state.writable || refused) return;
  const temp = `t${Date.now()}${Math.floor(Math.random() * 1000)}`;
  const cells = Object.fromEntries(FIELDS.map((f) => [f, ""]));
  drafts.addRow(temp, cells);
  const li = makeRow({ id: temp, ...cells });
  li.classList.add("just-added");
  setTimeout(() => li.classList.remove("just-added"), 4000);
  list.append(li);
  renumber();
  li.scrollIntoView({ block: "center" });
  li.querySelector("textarea").focus();
  if (online) sendAll();
  else tell(say("rowAddedOffline"), "warning");
}

async function act(action, id) {
  if (action === "historique") return showHistory(id);
  if (!state.writable || refused) return;
  if (!online || isTemp(id)) {
    if (isTemp(id) && action === "supprimer") {
      drafts.dropRow(id);
      rowElement(id)?.remove();
      renumber();
      return;
    }
    tell(say("offlineAction"), "warning");
    return;
  }
  const number = numberOf(id);
  try {
    if (action === "supprimer") {
      for (const field of FIELDS) clearTimeout(timers.get(cellKey(id, field)));
      await api("DELETE", `/lignes/${id}`);
      drafts.dropRowCells(id);
      deletedHere.push(id);
      undoButton.hidden = false;
      rowElement(id)?.remove();
      order = order.filter((other) => other !== id);
      renumber();
      tell(say("deleted", { number, time: clock() }));
    } else if (action === "monter" || action === "descendre") {
      const offset = action === "monter" ? -1 : 1;
      await api("POST", `/lignes/${id}/deplacement`, { json: { offset } });
      await refresh();
      rowElement(id)?.querySelector(`.row-actions button[data-action="${action}"]`)?.focus();
      tell(say("saved", { time: clock() }));
    }
  } catch (error) {
    failed(error);
  }
}

async function undoDelete() {
  const id = deletedHere.at(-1);
  if (id === undefined || !online) {
    if (!online) tell(say("offlineAction"), "warning");
    return;
  }
  try {
    await api("POST", `/lignes/${id}/restauration`);
    deletedHere.pop();
    undoButton.hidden = deletedHere.length === 0;
    await refresh();
    tell(say("restored", { number: numberOf(id), time: clock() }));
  } catch (error) {
    failed(error);
  }
}

async function showHistory(id) {
  const dialog = document.getElementById("historique");
  const entries = dialog.querySelector(".entries");
  dialog.querySelector("h2").textContent = `${say("history")} — ${say("rowNumber", { number: numberOf(id) })}`;
  entries.textContent = "";
  try {
    const found = await api("GET", `/lignes/${id}/historique`);
    if (!found.entries.length) entries.textContent = say("historyEmpty");
    for (const entry of [...found.entries].reverse()) entries.append(historyEntry(id, entry, dialog));
  } catch (error) {
    entries.textContent = error instanceof Offline ? say("offlineAction") : error.message;
  }
  if (!dialog.open) dialog.showModal();
}

function historyEntry(id, entry, dialog) {
  const box = document.createElement("div");
  box.className = "entry";
  const when = new Date(entry.at);
  const head = document.createElement("p");
  const kinds = { create: "historyCreated", delete: "historyDeleted", restore: "historyRestored",
    move: "historyMoved" };
  const what = kinds[entry.action] ? say(kinds[entry.action]) : say("historyOther", { action: entry.action });
  head.textContent = `${when.toLocaleString("fr-FR")} — ${entry.who} — ${what}`;
  box.append(head);
  for (const field of FIELDS) {
    if (!(field in entry.before) && !(field in entry.after)) continue;
    if (entry.action === "create" && !entry.after[field]) continue;
    const title = document.createElement("p");
    title.textContent = config.columns[field];
    box.append(title);
    for (const text of [entry.before[field], entry.after[field]]) {
      if (text === undefined) continue;
      const quote = document.createElement("blockquote");
      quote.textContent = text || "—";
      box.append(quote);
    }
    const earlier = entry.before[field];
    if (earlier !== undefined && state.writable) {
      box.append(button(say("historyRestore"), () => {
        const textarea = area(id, field);
        if (!textarea) return;
        textarea.value = earlier;
        typed(id, field, textarea);
        flushCell(id, field);
        dialog.close();
      }));
    }
  }
  return box;
}

// -- paste and import ---------------------------------------------------------------------

async function paste() {
  const box = document.getElementById("colle");
  const importStatus = document.getElementById("statut-import");
  if (!online) return void (importStatus.textContent = say("offlineAction"));
  try {
    const found = await api("POST", "/collage", { json: { text: box.value } });
    box.value = "";
    importStatus.textContent = say("pasteDone", { count: found.count, time: clock() });
    await refresh();
  } catch (error) {
    importStatus.textContent = error instanceof Offline ? say("offlineAction") : error.message;
  }
}

async function importFile(input) {
  const importStatus = document.getElementById("statut-import");
  const file = input.files[0];
  if (!file) return;
  if (file.size > config.maxFile) {
    importStatus.textContent = say("fileTooLarge", { name: file.name });
    input.value = "";
    return;
  }
  if (!online) return void (importStatus.textContent = say("offlineAction"));
  importStatus.textContent = say("importing", { name: file.name });
  try {
    const found = await api("POST", "/import", {
      body: file,
      headers: { "X-Ccm-Fichier": encodeURIComponent(file.name), "Content-Type": "application/octet-stream" },
      timeout: 120000,
    });
    importStatus.textContent = say("pasteDone", { count: found.count, time: clock() });
    await refresh();
  } catch (error) {
    importStatus.textContent = error instanceof Offline ? say("offlineAction") : error.message;
  } finally {
    input.value = "";
  }
}

// -- what the server says -----------------------------------------------------------------

async function refresh() {
  try {
    apply(await api("GET", `/lignes?depuis=${live.version}`));
  } catch (error) {
    if (error instanceof Offline) goOffline();
    else if (error instanceof Refusal && error.status === 403) refuse(error.data.message);
  }
}

function apply(found) {
  if (found.version < live.version && !found.rows.length) {
    applyState(found.state);
    return;
  }
  live.version = found.version;
  for (const row of found.rows) {
    const id = String(row.id);
    rows.set(id, row);
    for (const field of FIELDS) {
      const key = cellKey(id, field);
      const textarea = area(id, field);
      const draft = drafts.cell(id, field);
      if (conflicts.has(key)) {
        conflicts.get(key).theirs = row[field];
        if (draft && draft.text === row[field]) resolveEcho(id, field, row[field]);
        else showConflict(id, field);
        continue;
      }
      const mine = draft && !offered.has(key);
      if (mine && draft.text !== row[field]) continue; // typing over it: checked at save
      seen.set(key, row[field]);
      if (draft && draft.text === row[field]) drafts.dropCell(id, field);
      if (textarea && textarea.value !== row[field]) {
        const focused = document.activeElement === textarea;
        const { selectionStart, selectionEnd } = textarea;
        textarea.value = row[field];
        if (focused) textarea.setSelectionRange(selectionStart, selectionEnd);
        grow(textarea);
      }
      textarea?.classList.remove("pending");
    }
  }
  reorder(found.order.map(String));
  applyState(found.state);
}

function resolveEcho(id, field, text) {
  const key = cellKey(id, field);
  conflicts.delete(key);
  seen.set(key, text);
  drafts.dropCell(id, field);
  area(id, field)?.classList.remove("pending", "conflicted");
  showConflict(id, field);
}

function reorder(wanted) {
  const gone = [];
  for (const li of [...list.children]) {
    const id = li.dataset.id;
    if (isTemp(id) || wanted.includes(id)) continue;
    if (!deletedHere.includes(id)) gone.push([Number(id), numberOf(id), li]);
  }
  for (const [, , li] of gone) keepUnsaved(li.dataset.id);
  for (const [, , li] of gone) li.remove();
  for (const id of order) if (!wanted.includes(id)) rowElement(id)?.remove();
  const focused = document.activeElement;
  const selection = focused instanceof HTMLTextAreaElement
    ? [focused.selectionStart, focused.selectionEnd] : null;
  let previous = null;
  const adding = drafts.rows.some((pending) => rowElement(pending.temp));
  for (const id of wanted) {
    let li = rowElement(id);
    if (!li) {
      const row = rows.get(id);
      // While a row of this page is on its way, a row it does not know yet may be that one.
      if (!row || adding) continue;
      for (const field of FIELDS) if (!seen.has(cellKey(id, field))) seen.set(cellKey(id, field), row[field]);
      li = makeRow(row);
    }
    const expected = previous ? previous.nextElementSibling : list.firstElementChild;
    if (li !== expected) list.insertBefore(li, expected);
    previous = li;
  }
  for (const li of [...list.children]) if (isTemp(li.dataset.id)) list.append(li);
  if (focused && document.activeElement !== focused && focused.isConnected) {
    focused.focus();
    if (selection) focused.setSelectionRange(...selection);
  }
  order = wanted;
  renumber();
  if (gone.length) explainGone(gone.map(([id, number]) => [id, number]));
}

async function explainGone(gone) {
  try {
    const found = await api("POST", "/devenir", { json: { rows: gone } });
    const sentences = Object.values(found.fates);
    if (sentences.length) warn(sentences.join(" "));
  } catch {
    // said at the next change; the rows' texts are in the synthesis
  }
}

function keepUnsaved(id) {
  // A row that left while its text was being typed: the text is offered back, not lost.
  for (const field of FIELDS) {
    const draft = drafts.cell(id, field);
    if (draft) offerDraft({ id, field, ...draft }, true);
  }
}

function applyState(next) {
  if (!next) return;
  state = next;
  clockOffset = Date.parse(next.now) - Date.now();
  const writable = next.writable && !refused;
  readonlyNotice.hidden = writable || refused;
  for (const textarea of list.querySelectorAll("textarea")) textarea.readOnly = !writable;
  for (const button of document.querySelectorAll(".row-actions button:not([data-action=historique]), #ajouter, #annuler, #coller, #fichier")) {
    button.disabled = !writable;
  }
  tick();
}

// A closing announced by the facilitator: the page counts down to it, on the server's
// clock, then turns read-only by itself (the store refuses the group's writes from then on;
// no change of the store comes to say so).
function secondsTo(time) {
  return (Date.parse(time) - (Date.now() + clockOffset)) / 1000;
}

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

function tick() {
  const timer = document.getElementById("chrono");
  timer.classList.remove("over");
  if (state.open && state.closing) {
    const left = Math.ceil(secondsTo(state.closing));
    if (left <= 0) {
      const now = new Date(Date.now() + clockOffset).toISOString(); // the same clock
      applyState({ ...state, open: false, writable: state.writable_closed, closing: "", now });
      return;
    }
    const seconds = String(left % 60).padStart(2, "0");
    timer.textContent = fill(state.closing_text, { minutes: Math.floor(left / 60), seconds });
    timer.classList.add("over");
    return;
  }
  if (!state.open) {
    timer.textContent = say("timerClosed");
    return;
  }
  if (!state.end) {
    timer.textContent = "";
    return;
  }
  const left = Math.round((Date.parse(state.end) - (Date.now() + clockOffset)) / 1000);
  if (left <= 0) {
    timer.textContent = say("timerOver");
    timer.classList.add("over");
    return;
  }
  timer.textContent = say("timerLeft", { minutes: Math.floor(left / 60), seconds: left % 60 });
}

function refuse(message) {
  refused = true;
  live?.stop();
  banner.refused(message);
  applyState(state);
}

async function reread() {
  await refresh();
}

// -- offline, and back --------------------------------------------------------------------

function goOffline() {
  if (!online) return;
  online = false;
  banner.down();
}

function goOnline() {
  if (online) return;
  online = true;
  banner.up();
  sendAll();
}

let sendTimer = null;
function scheduleSend() {
  clearTimeout(sendTimer);
  sendTimer = setTimeout(sendAll, SAVE_AFTER);
}

let sending = null; // the send under way: one at a time, or a new row would be sent twice
let sendAgain = false;

async function sendAll() {
  if (sending) {
    sendAgain = true;
    return sending;
  }
  sending = sendPending();
  try {
    await sending;
  } finally {
    sending = null;
  }
  if (sendAgain) {
    sendAgain = false;
    await sendAll();
  }
}

async function sendPending() {
  if (!online || refused) return;
  for (const pending of [...drafts.rows]) {
    const li = rowElement(pending.temp);
    if (!li) continue; // offered back at the next load
    const cells = FIELDS.map((field) => li.querySelector(`textarea[name="${field}"]`).value);
    try {
      const found = await api("POST", "/lignes", { json: { rows: [cells] } });
      drafts.dropRow(pending.temp);
      replaceTemp(li, found.rows[0], cells);
      tell(say("saved", { time: clock() }));
    } catch (error) {
      failed(error);
      return;
    }
  }
  reorder(order); // rows another device added meanwhile, left aside while a row was sent
  let sent = 0;
  for (const draft of drafts.entries()) {
    const key = cellKey(draft.id, draft.field);
    if (!rowElement(draft.id) || conflicts.has(key) || offered.has(key) || timers.has(key)) continue;
    if (!inFlight.has(key)) {
      sent += 1;
      await saveCell(draft.id, draft.field);
      if (!online) return;
    }
  }
  if (sent > 1) tell(say("sentAgain", { count: sent, time: clock() }));
}

function replaceTemp(li, row, sent) {
  const id = String(row.id);
  rows.set(id, row);
  li.dataset.id = id;
  FIELDS.forEach((field, n) => {
    const textarea = li.querySelector(`textarea[name="${field}"]`);
    const label = li.querySelector(`label[for$="-${field}"]`);
    textarea.id = `c${id}-${field}`;
    label.htmlFor = textarea.id;
    seen.set(cellKey(id, field), sent[n]);
    if (textarea.value !== sent[n]) typed(id, field, textarea);
  });
  li.classList.remove("just-added");
  if (!order.includes(id)) order.push(id);
}

// -- texts kept from an earlier visit, offered back -----------------------------------------

const found = document.getElementById("retrouves");

function offerPanel() {
  if (!found.firstChild) {
    const title = document.createElement("h2");
    title.id = "retrouves-titre";
    title.textContent = say("draftsTitle");
    const explain = document.createElement("p");
    explain.textContent = say("draftsExplain");
    const all = button(say("draftsSaveAll"), () => {
      for (const save of found.querySelectorAll("button.save")) save.click();
    });
    found.append(title, explain, all);
  }
  found.hidden = false;
}

// One entry of the panel: what was kept, and "save" or "set aside" (``save`` returns
// whether it was saved; either way, the entry goes once settled).
function offerEntry(title, text, save, drop) {
  offerPanel();
  const box = document.createElement("div");
  box.className = "draft";
  const head = document.createElement("p");
  head.textContent = title;
  const quote = document.createElement("blockquote");
  quote.textContent = text || "—";
  const choices = document.createElement("div");
  choices.className = "choices";
  const done = () => {
    box.remove();
    if (!found.querySelector(".draft")) found.hidden = true;
  };
  choices.append(
    button(say("draftSave"), async () => { if (await save()) done(); }, "save"),
    button(say("draftDrop"), () => { drop(); done(); }),
  );
  box.append(head, quote, choices);
  found.append(box);
}

async function addKept(cells, forget) {
  try {
    await api("POST", "/lignes", { json: { rows: [cells] } });
    forget();
    await refresh();
    return true;
  } catch (error) {
    failed(error);
    return false;
  }
}

function offerDraft(draft, gone = false) {
  const key = cellKey(draft.id, draft.field);
  offered.add(key);
  const time = clock(new Date(draft.at));
  const title = gone || !rowElement(draft.id)
    ? say("draftRow", { column: config.columns[draft.field], time })
    : say("draftOffer", { number: numberOf(draft.id), column: config.columns[draft.field], time });
  const forget = () => {
    offered.delete(key);
    drafts.dropCell(draft.id, draft.field);
  };
  offerEntry(title, draft.text, async () => {
    offered.delete(key);
    const textarea = area(draft.id, draft.field);
    if (textarea && !gone) {  // back in its field, saved over the text it was typed on
      textarea.value = draft.text;
      seen.set(key, draft.seen);
      typed(draft.id, draft.field, textarea);
      flushCell(draft.id, draft.field);
      return true;
    }
    return addKept(FIELDS.map((field) => (field === draft.field ? draft.text : "")), forget);
  }, forget);
}

function offerAddedRow(pending) {
  const text = FIELDS.map((f) => pending.cells[f]).filter(Boolean).join(" · ");
  const forget = () => drafts.dropRow(pending.temp);
  offerEntry(say("rowAddedOffline"), text,
    () => addKept(FIELDS.map((f) => pending.cells[f] || ""), forget), forget);
}

function offerKept() {
  for (const draft of drafts.entries()) {
    const row = rows.get(String(draft.id));
    if (row && row[draft.field] === draft.text) {
      drafts.dropCell(draft.id, draft.field);
      continue;
    }
    offerDraft(draft, !row);
  }
  for (const pending of drafts.rows) offerAddedRow(pending);
}

// -- start --------------------------------------------------------------------------------

// Text typed before this script ran is a change like any other.
for (const li of list.children) {
  for (const textarea of li.querySelectorAll("textarea")) {
    const row = rows.get(li.dataset.id);
    if (row && textarea.value !== row[textarea.name] && !drafts.cell(li.dataset.id, textarea.name)) {
      typed(li.dataset.id, textarea.name, textarea);
    }
  }
}
offerKept();
addButton.addEventListener("click", addRow);
undoButton.addEventListener("click", undoDelete);
document.getElementById("coller").addEventListener("click", paste);
document.getElementById("fichier").addEventListener("change", (event) => importFile(event.target));
document.querySelector("#historique .close").addEventListener("click", () => {
  document.getElementById("historique").close();
});

const live = listen({
  url: `${config.api}/evenements`,
  version: config.version,
  kind: "lignes",
  onData: apply,
  onDown: goOffline,
  onUp: goOnline,
  onRefused: (data) => refuse(data.message),
  probe: async (version) => {
    try {
      apply(await api("GET", `/lignes?depuis=${version}`));
      return "ok";
    } catch (error) {
      if (error instanceof Refusal && [403, 404].includes(error.status)) {
        refuse(error.data.message || say("refused"));
        return "refused";
      }
      return "offline";
    }
  },
});
applyState(state);
setInterval(tick, 1000);
setInterval(() => {
  const waiting = drafts.entries().some((d) => {
    const key = cellKey(d.id, d.field);
    return !timers.has(key) && !offered.has(key) && !conflicts.has(key) && rowElement(d.id);
  });
  if (online && !refused && (waiting || list.querySelector('li.row[data-id^="t"]'))) {
    sendAll();
  }
}, RETRY_EVERY);
window.addEventListener("pagehide", () => {
  for (const [key] of timers) {
    const [id, field] = key.split(":");
    flushCell(id, field);
  }
});
