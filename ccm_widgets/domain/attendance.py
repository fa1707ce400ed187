"""What is wrong with an attendance list: missing contacts, doubtful e-mails, people listed
twice. Every line is kept; the defects are said by N°."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ccm_widgets.domain.model import fold
from ccm_widgets.i18n import t

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_participant(
    number: int, name: str, institution: str, phone: str, email: str
) -> list[str]:
    """Defects of one attendance line, for the user (empty when the line is complete)."""
    defects = []
    if not name:
        defects.append(t("import.attendance_no_name", number=number))
    if not phone:
        defects.append(t("import.attendance_no_phone", number=number))
    if not email:
        defects.append(t("import.attendance_no_email", number=number))
    elif "@" not in email:
        defects.append(t("import.attendance_email_without_at", number=number, email=email))
    elif not _EMAIL.match(email):
        defects.append(t("import.attendance_doubtful_email", number=number, email=email))
    return defects


def _contact(phone: str, email: str) -> tuple[str, str]:
    """Phone and e-mail as compared between two lines: digits only, case aside."""
    return re.sub(r"\D", "", phone), email.strip().casefold()


def attendance_defects(
    people: Sequence[tuple[int, int, str, str, str, str]],
) -> tuple[dict[int, list[str]], dict[str, int]]:
    """Defects of an attendance list, by key, and their counts.

    ``people`` holds ``(key, number, name, institution, phone, email)``. A line with the
    name and institution of an earlier one (accents and case aside) is flagged on the second
    one: "même personne" when its phone and e-mail match too, else "doublon possible" (two
    namesakes of one office, or one person who wrote another number).
    """
    defects: dict[int, list[str]] = {}
    counts = {"no_phone": 0, "no_email": 0, "bad_email": 0, "duplicates": 0}
    seen: dict[tuple[str, str], list[tuple[int, tuple[str, str]]]] = {}
    for key, number, name, institution, phone, email in people:
        found = check_participant(number, name, institution, phone, email)
        counts["no_phone"] += not phone
        counts["no_email"] += not email
        counts["bad_email"] += bool(email) and not _EMAIL.match(email)
        identity = (fold(name), fold(institution))
        contact = _contact(phone, email)
        earlier = seen.setdefault(identity, []) if name else []
        same = [first for first, known in earlier if known == contact]
        if same:
            found.append(t("import.attendance_same_person", number=number, first=same[0]))
        elif earlier:
            found.append(
                t("import.attendance_possible_duplicate", number=number, first=earlier[0][0])
            )
        counts["duplicates"] += bool(earlier)
        if name:
            earlier.append((number, contact))
        if found:
            defects[key] = found
    return defects, counts
