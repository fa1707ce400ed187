"""Préparation: the meeting's header, agenda, groups and the synthesis order."""
