// What was typed and not yet saved, kept on the device (localStorage) until the server has
// it: a cell's text with the text it was typed over, and rows added while offline. A page
// that reloads offers them back; a page that comes back online sends them.

export class Drafts {
  constructor(scope) {
    this.key = `ccm-brouillons:${scope}`;
    this.broken = false;
    try {
      const found = JSON.parse(localStorage.getItem(this.key) || "{}");
      this.cells = found.cells && typeof found.cells === "object" ? found.cells : {};
      this.rows = Array.isArray(found.rows) ? found.rows : [];
    } catch {
      this.broken = true;
      this.cells = {};
      this.rows = [];
    }
  }

  save() {
    try {
      if (Object.keys(this.cells).length || this.rows.length) {
        localStorage.setItem(this.key, JSON.stringify({ cells: this.cells, rows: this.rows }));
      } else {
        localStorage.removeItem(this.key);
      }
      return true;
    } catch {
      return false; // full or forbidden: the text stays on screen
    }
  }

  cell(id, field) {
    return this.cells[`${id}:${field}`];
  }

  setCell(id, field, text, seen) {
    const key = `${id}:${field}`;
    const before = this.cells[key];
    this.cells[key] = { text, seen, at: before?.at || Date.now() };
    return this.save();
  }

  dropCell(id, field, onlyIfText) {
    const key = `${id}:${field}`;
    const found = this.cells[key];
    if (!found || (onlyIfText !== undefined && found.text !== onlyIfText)) return;
    delete this.cells[key];
    this.save();
  }

  dropRowCells(id) {
    for (const key of Object.keys(this.cells)) if (key.startsWith(`${id}:`)) delete this.cells[key];
    this.save();
  }

  entries() {
    return Object.entries(this.cells).map(([key, value]) => {
      const [id, field] = key.split(":");
      return { id, field, ...value };
    });
  }

  addRow(temp, cells) {
    this.rows.push({ temp, cells, at: Date.now() });
    return this.save();
  }

  updateRow(temp, field, text) {
    const row = this.rows.find((r) => r.temp === temp);
    if (row) {
      row.cells[field] = text;
      this.save();
    }
  }

  dropRow(temp) {
    this.rows = this.rows.filter((r) => r.temp !== temp);
    this.save();
  }
}
