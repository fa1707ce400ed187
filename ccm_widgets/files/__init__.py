"""Files in and out: tables read from CSV/TSV/XLSX, the meeting file (TOML), loading them
into the store, and the exports written to disk."""
