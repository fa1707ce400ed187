"""A group's grid: the session that saves it (conflicts, history, undo; no widgets), and the
widgets that show it: the editable grid, the row editor, conflicts, pasting and importing
rows, the breakout timer."""
