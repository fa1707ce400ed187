"""A group's grid: the editable grid, the row editor, pasting and importing rows, the
breakout timer."""
