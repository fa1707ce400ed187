"""The meeting itself, pure: typed values and the rules on them (synthesis, duplicates).
No database, no file, no widget: everything here is tested on plain data."""
