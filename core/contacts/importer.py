"""All-or-nothing CSV import of emergency contacts: ``jiedao import emergency-contacts FILE``::

    resident_id,name,relation,phone

One contact per line. ``resident_id`` is the resident's reference of ``jiedao import units``
(``owner_id``), never an ID-card number. A resident named in the file gets exactly the contacts
of its lines, in file order (at most three); residents not named keep theirs. Every line is
checked before anything is written; re-importing a file changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from jiedao.core.contacts.models import MAX_CONTACTS
from jiedao.core.contacts.service import replace_emergency_contacts
from jiedao.core.contacts.validation import NAME_LIMIT, RELATION_LIMIT, ContactEntry, contact_problems
from jiedao.core.identity import audit
from jiedao.core.importfile import ImportFailed, Problem, read_table
from jiedao.core.models import Resident
from jiedao.core.organisations.importer import ImportReport

if TYPE_CHECKING:
    from jiedao.core.kernel import Kernel

REQUIRED = ("resident_id", "name", "relation", "phone")
LIMITS = {"resident_id": 100, "name": NAME_LIMIT, "relation": RELATION_LIMIT, "phone": 30}


async def import_emergency_contacts(kernel: Kernel, street: str, path: Path, *, actor: str = "import", encoding: str = "utf-8") -> ImportReport:
    """Import ``path`` into ``street`` in one transaction (see the module docstring)."""
    rows, problems, _ = read_table(path, encoding, REQUIRED, (), LIMITS)
    report = ImportReport(rows=len(rows), what="resident(s)' contacts")
    street_id = kernel.street_id(street)
    async with kernel.db.transaction(street_id) as session:
        references = {v["resident_id"] for _, v in rows if v["resident_id"]}
        residents = dict((await session.execute(select(Resident.external_ref, Resident.id).where(Resident.external_ref.in_(references)))).all())
        planned: dict[int, list[ContactEntry]] = defaultdict(list)
        for line, values in rows:
            entry, entry_problems = contact_problems(ContactEntry(values["name"], values["relation"], values["phone"]))
            problems += [Problem(line, column, reason) for column, reason in entry_problems
                         if not any(p.line == line and p.column == column for p in problems)]
            reference = values["resident_id"]
            if reference and reference not in residents:
                problems.append(Problem(line, "resident_id", f"no resident '{reference}' in this street"))
            elif reference:
                planned[residents[reference]].append(entry)
                if len(planned[residents[reference]]) > MAX_CONTACTS:
                    problems.append(Problem(line, "resident_id", f"resident '{reference}' has more than {MAX_CONTACTS} emergency contacts in the file"))
        if problems:
            raise ImportFailed(sorted(problems, key=lambda p: p.line))
        for resident_id, entries in planned.items():
            await replace_emergency_contacts(session, resident_id, entries, actor)
        report.created = len(planned)
        await audit.record(session, street_id, actor, "core.resident.contacts.imported", path.name, {"rows": report.rows, "residents": len(planned)})
    return report
