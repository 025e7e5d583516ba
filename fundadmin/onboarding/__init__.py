"""Onboarding a city from one workbook (issue 14): committees, communities, users, their roles
with validity periods, and each year's allocations.

An administrator downloads the template (or an export of what is already there — the same
workbook), fills it in, uploads it and sees a preview: per sheet what will be created, what will
change (before → after) and what stays. Applying it is all or nothing. Both steps run the very
same code: every row goes through the core's services — ``committee_upsert``,
``community_upsert``, ``user_upsert``, ``role_grant``/``role_revoke`` (with their overlap check
and ``permissions_sync``) and ``fund_year_set_allocation`` (with ``allocation_check``) — each
leaving its event in the trail, inside one transaction that the preview rolls back. So the
preview cannot promise what the apply would refuse, and a file with one bad row changes nothing.

Why not django-import-export (README "Onboarding a city"): it imports one model per resource and
reads only the active sheet of an XLSX, each ``import_data`` in its own transaction; its saving
path is ``instance.save()`` per row, where ours must be the services (roles are revoked and
granted, never edited; allocations are checked against the ledger); and its row errors are its
own. What would be left of it here is the cell parsing, which openpyxl (already a dependency)
does, so the import is written against openpyxl directly.

Re-importing the same file changes nothing: every row is looked up by its natural key (codes,
user names, role + scope + start date, community + year) and an unchanged row is left alone. An
empty optional cell leaves the stored value as it is; nothing absent from the file is removed.
"""

from .apply import CHANGE, CREATE, SAME, ImportReport, RowOutcome, SheetSummary, city_import
from .links import password_link, password_link_send, password_set_token
from .reading import CellError, Row, RowError, read_workbook
from .workbook import (
    ALLOCATIONS,
    COMMITTEES,
    COMMUNITIES,
    MAX_FILE_BYTES,
    MAX_ROWS_PER_SHEET,
    README_TITLE,
    ROLES,
    SHEETS,
    USERS,
    build_workbook,
    export_rows,
    export_workbook,
    template_workbook,
)

__all__ = [
    "ALLOCATIONS",
    "CHANGE",
    "COMMITTEES",
    "COMMUNITIES",
    "CREATE",
    "MAX_FILE_BYTES",
    "MAX_ROWS_PER_SHEET",
    "README_TITLE",
    "ROLES",
    "SAME",
    "SHEETS",
    "USERS",
    "CellError",
    "ImportReport",
    "Row",
    "RowError",
    "RowOutcome",
    "SheetSummary",
    "build_workbook",
    "city_import",
    "export_rows",
    "export_workbook",
    "password_link",
    "password_link_send",
    "password_set_token",
    "read_workbook",
    "template_workbook",
]
