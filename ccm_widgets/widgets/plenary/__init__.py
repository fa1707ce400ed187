"""The plenary: the groups' grids live, the synthesis, consolidation, duplicates, adoption,
the breakout's control, exports and the projection."""
