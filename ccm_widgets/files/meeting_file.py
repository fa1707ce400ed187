r"""The meeting description file (TOML): read it into the model, write it back.

A meeting can be prepared the day before as a small text file, versioned, and loaded with
``ccm init``. Errors name the file, the line and the problem, in the catalogue's language.

The file is written by ``tomli-w``, which escapes whatever a text holds: what Word pastes
(vertical tab ``\x0b``, bell ``\x07``, DEL ``\x7f``) is written ``\u000b`` and read back
as it was. Texts are kept exactly, control characters included, as the store holds them;
only the spaces around a value are dropped when it is read, as in a hand-written file.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from ccm_widgets.domain.model import AgendaItem, Group, Meeting, ValidationError, fold, slugify
from ccm_widgets.files.importing import ImportProblem
from ccm_widgets.i18n import t
from ccm_widgets.store import Store


@dataclass(frozen=True)
class MeetingPlan:
    """Everything ``ccm init`` needs: the header, the agenda, the groups and their order."""

    meeting: Meeting
    agenda: tuple[AgendaItem, ...]
    groups: tuple[Group, ...]
    synthesis_order: tuple[str, ...]


#: How the model's own refusals quote the field they are about: « title » (“title” in English).
QUOTED_KEY_PATTERN = re.compile(r"[«“]\s*(\w+)\s*[»”]")


class PlanError(ValidationError):
    """A meeting file's content is wrong; ``key`` is the TOML key it is about, if any."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


def _line_of(text: str, pattern: str) -> int | None:
    # Lines as TOML counts them: a vertical tab or form feed in a text does not end one.
    for number, line in enumerate(text.split("\n"), start=1):
        if re.search(pattern, line):
            return number
    return None


def _text(table: dict[str, Any], key: str, *, where: str) -> str:
    value = table.get(key, "")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if not isinstance(value, str | int | float):
        raise PlanError(t("meeting_file.not_text", key=key, where=where), key=key)
    return str(value).strip()


def _texts(table: dict[str, Any], key: str, *, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PlanError(t("meeting_file.not_texts", key=key, where=where), key=key)
    return tuple(v.strip() for v in value if v.strip())


def load_plan(path: str | Path, data: bytes | None = None) -> MeetingPlan:
    """Read a meeting description; :class:`ImportProblem` says what is wrong and where.

    ``data``, when given, is the file's content (a page's upload), ``path`` only its name.
    """
    name = str(path)
    try:
        raw = Path(path).read_bytes() if data is None else data
        text = raw.decode("utf-8-sig")
    except FileNotFoundError as error:
        raise ImportProblem(name, None, t("import.not_found")) from error
    except UnicodeDecodeError as error:
        raise ImportProblem(name, None, t("meeting_file.not_utf8")) from error
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        line = int(match.group(1)) if match else None
        raise ImportProblem(name, line, t("meeting_file.bad_syntax", error=error)) from error
    try:
        return _plan(table)
    except ValidationError as error:
        line = _line_of(text, r"^\s*\[meeting\]")
        key = _key_of(error)
        if key:
            line = _line_of(text, rf"^\s*{re.escape(key)}\s*=") or line
        raise ImportProblem(name, line, str(error)) from error


def _key_of(error: ValidationError) -> str | None:
    """The TOML key an error is about: its own, or the first one its message quotes."""
    if isinstance(error, PlanError):
        return error.key
    quoted = QUOTED_KEY_PATTERN.search(str(error))
    return quoted.group(1) if quoted else None


def _plan(data: dict[str, Any]) -> MeetingPlan:
    header = data.get("meeting")
    if not isinstance(header, dict):
        raise PlanError(t("meeting_file.no_meeting"))
    where = "[meeting]"
    for key in ("title", "date", "venue"):
        if key not in header:
            raise PlanError(t("meeting_file.missing_key", key=key), key=key)
    raw_date = header["date"]
    if isinstance(raw_date, dt.datetime):
        date = raw_date.date()
    elif isinstance(raw_date, dt.date):
        date = raw_date
    else:
        try:
            date = dt.date.fromisoformat(str(raw_date))
        except ValueError as error:
            raise PlanError(t("meeting_file.bad_date", value=raw_date), key="date") from error
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
            raise PlanError(t("meeting_file.agenda_without_item", number=number), key="item")
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
            raise PlanError(t("meeting_file.group_without_name", number=number), key="name")
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
        raise PlanError(t("meeting_file.same_group_name"), key="name")
    by_name = {fold(g.name): g.slug for g in groups} | {g.slug: g.slug for g in groups}
    order: list[str] = []
    synthesis = data.get("synthesis", {})
    for wanted in _texts(synthesis, "order", where="[synthesis]") if synthesis else ():
        slug = by_name.get(fold(wanted)) or by_name.get(wanted)
        if slug is None:
            raise PlanError(t("meeting_file.order_not_a_group", name=wanted), key="order")
        order.append(slug)
    return MeetingPlan(meeting, tuple(agenda), tuple(groups), tuple(order))


def dump_plan(plan: MeetingPlan) -> str:
    """The TOML text of ``plan``; :func:`load_plan` reads it back to the same plan.

    Laid out as a person writes it (``[meeting]`` first, then one ``[[agenda]]`` and one
    ``[[groups]]`` table each), empty optional values left out; every value is written by
    ``tomli-w`` (tomli-w alone would put short agenda items in inline tables above
    ``[meeting]``).
    """
    m = plan.meeting
    header: dict[str, Any] = {
        "title": m.title,
        "date": m.date,
        "venue": m.venue,
        "organisation": list(m.organisation),
    }
    header |= {key: getattr(m, key) for key in ("start", "chair", "facilitator", "closing")}
    header["objectives"] = list(m.objectives)
    chunks = [tomli_w.dumps({"meeting": _filled(header, keep=("organisation", "objectives"))})]
    for item in plan.agenda:
        values = {"item": item.item, "presenter": item.presenter, "time": item.time}
        chunks.append("[[agenda]]\n" + tomli_w.dumps(_filled(values, keep=("item",))))
    for group in plan.groups:
        values = {
            "name": group.name,
            "moderator": group.moderator,
            "institution": group.institution,
        }
        chunks.append("[[groups]]\n" + tomli_w.dumps(_filled(values, keep=("name",))))
    names = {g.slug: g.name for g in plan.groups}
    if plan.synthesis_order:
        order = [names[slug] for slug in plan.synthesis_order]
        chunks.append(tomli_w.dumps({"synthesis": {"order": order}}))
    return "\n".join(chunks)


def _filled(table: dict[str, Any], *, keep: tuple[str, ...]) -> dict[str, Any]:
    """``table`` without its empty texts, except the keys in ``keep``."""
    return {k: v for k, v in table.items() if k in keep or v != ""}


def plan_of(store: Store) -> MeetingPlan:
    """The meeting as the store holds it now, as ``ccm init`` would read it from TOML."""
    return MeetingPlan(
        meeting=store.meetings.get(),
        agenda=tuple(store.meetings.agenda()),
        groups=tuple(store.groups.all()),
        synthesis_order=tuple(store.groups.synthesis_order()),
    )
