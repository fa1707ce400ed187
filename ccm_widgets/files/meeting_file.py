"""The meeting description file (TOML): read it into the model, write it back.

A meeting can be prepared the day before as a small text file, versioned, and loaded with
``ccm init``. Errors name the file, the line and the problem, in French.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccm_widgets.domain.model import AgendaItem, Group, Meeting, ValidationError, fold, slugify
from ccm_widgets.files.importing import ImportProblem
from ccm_widgets.store import Store


@dataclass(frozen=True)
class MeetingPlan:
    """Everything ``ccm init`` needs: the header, the agenda, the groups and their order."""

    meeting: Meeting
    agenda: tuple[AgendaItem, ...]
    groups: tuple[Group, ...]
    synthesis_order: tuple[str, ...]


def _line_of(text: str, pattern: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.search(pattern, line):
            return number
    return None


def _text(table: dict[str, Any], key: str, *, where: str) -> str:
    value = table.get(key, "")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if not isinstance(value, str | int | float):
        raise ValidationError(f"« {key} » de {where} doit être un texte.")
    return str(value).strip()


def _texts(table: dict[str, Any], key: str, *, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"« {key} » de {where} doit être une liste de textes.")
    return tuple(v.strip() for v in value if v.strip())


def load_plan(path: str | Path) -> MeetingPlan:
    """Read a meeting description; :class:`ImportProblem` says what is wrong and where."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError as error:
        raise ImportProblem(name, None, "fichier introuvable.") from error
    except UnicodeDecodeError as error:
        raise ImportProblem(name, None, "le fichier doit être enregistré en UTF-8.") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        line = int(match.group(1)) if match else None
        raise ImportProblem(name, line, f"syntaxe TOML invalide ({error}).") from error
    try:
        return _plan(data)
    except ValidationError as error:
        line = _line_of(text, r"^\s*\[meeting\]")
        message = str(error)
        key = re.search(r"« (\w+) »", message)
        if key:
            line = _line_of(text, rf"^\s*{key.group(1)}\s*=") or line
        raise ImportProblem(name, line, message) from error


def _plan(data: dict[str, Any]) -> MeetingPlan:
    header = data.get("meeting")
    if not isinstance(header, dict):
        raise ValidationError("section [meeting] manquante.")
    where = "[meeting]"
    for key in ("title", "date", "venue"):
        if key not in header:
            raise ValidationError(f"« {key} » manque dans [meeting].")
    raw_date = header["date"]
    if isinstance(raw_date, dt.datetime):
        date = raw_date.date()
    elif isinstance(raw_date, dt.date):
        date = raw_date
    else:
        try:
            date = dt.date.fromisoformat(str(raw_date))
        except ValueError as error:
            raise ValidationError(
                f"« date » doit être une date ISO (AAAA-MM-JJ), pas « {raw_date} »."
            ) from error
    meeting = Meeting(
        title=_text(header, "title", where=where),
        date=date,
        venue=_text(header, "venue", where=where),
        organisation=_texts(header, "organisation", where=where),
        start=_text(header, "start", where=where),
        chair=_text(header, "chair", where=where),
        facilitator=_text(header, "facilitator", where=where),
        objectives=_texts(header, "objectives", where=where),
        closing=_text(header, "closing", where=where),
    )
    agenda = []
    for number, item in enumerate(data.get("agenda", []), start=1):
        if not isinstance(item, dict) or not str(item.get("item", "")).strip():
            raise ValidationError(f"le point {number} de [[agenda]] n'a pas de « item ».")
        agenda.append(
            AgendaItem(
                item=_text(item, "item", where="[[agenda]]"),
                presenter=_text(item, "presenter", where="[[agenda]]"),
                time=_text(item, "time", where="[[agenda]]"),
            )
        )
    groups = []
    for number, item in enumerate(data.get("groups", []), start=1):
        if not isinstance(item, dict) or not str(item.get("name", "")).strip():
            raise ValidationError(f"le groupe {number} de [[groups]] n'a pas de « name ».")
        name = _text(item, "name", where="[[groups]]")
        groups.append(
            Group(
                slug=slugify(name),
                name=name,
                moderator=_text(item, "moderator", where="[[groups]]"),
                institution=_text(item, "institution", where="[[groups]]"),
                number=number,
            )
        )
    if len({g.slug for g in groups}) != len(groups):
        raise ValidationError("deux groupes de [[groups]] portent le même nom.")
    by_name = {fold(g.name): g.slug for g in groups} | {g.slug: g.slug for g in groups}
    order: list[str] = []
    synthesis = data.get("synthesis", {})
    for wanted in _texts(synthesis, "order", where="[synthesis]") if synthesis else ():
        slug = by_name.get(fold(wanted)) or by_name.get(wanted)
        if slug is None:
            raise ValidationError(
                f"« order » de [synthesis] cite « {wanted} », qui n'est pas un groupe."
            )
        order.append(slug)
    return MeetingPlan(meeting, tuple(agenda), tuple(groups), tuple(order))


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def dump_plan(plan: MeetingPlan) -> str:
    """The TOML text of ``plan``; :func:`load_plan` reads it back to the same plan."""
    m = plan.meeting
    lines = ["[meeting]"]
    lines.append(f"title = {_toml_string(m.title)}")
    lines.append(f"date = {m.date.isoformat()}")
    lines.append(f"venue = {_toml_string(m.venue)}")
    lines.append("organisation = [" + ", ".join(_toml_string(o) for o in m.organisation) + "]")
    for key in ("start", "chair", "facilitator", "closing"):
        value = getattr(m, key)
        if value:
            lines.append(f"{key} = {_toml_string(value)}")
    lines.append("objectives = [" + ", ".join(_toml_string(o) for o in m.objectives) + "]")
    for item in plan.agenda:
        lines += ["", "[[agenda]]", f"item = {_toml_string(item.item)}"]
        if item.presenter:
            lines.append(f"presenter = {_toml_string(item.presenter)}")
        if item.time:
            lines.append(f"time = {_toml_string(item.time)}")
    for group in plan.groups:
        lines += ["", "[[groups]]", f"name = {_toml_string(group.name)}"]
        if group.moderator:
            lines.append(f"moderator = {_toml_string(group.moderator)}")
        if group.institution:
            lines.append(f"institution = {_toml_string(group.institution)}")
    names = {g.slug: g.name for g in plan.groups}
    if plan.synthesis_order:
        order = ", ".join(_toml_string(names[s]) for s in plan.synthesis_order)
        lines += ["", "[synthesis]", f"order = [{order}]"]
    return "\n".join(lines) + "\n"


def plan_of(store: Store) -> MeetingPlan:
    """The meeting as the store holds it now, as ``ccm init`` would read it from TOML."""
    return MeetingPlan(
        meeting=store.meeting(),
        agenda=tuple(store.agenda()),
        groups=tuple(store.groups()),
        synthesis_order=tuple(store.synthesis_order()),
    )
