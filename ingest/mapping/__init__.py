"""Imports a case system's own export (a CSV or XLSX file of cases, placements, … in the
system's columns and codes) through a mapping file (YAML, `docs/mappings.md`) that says which
column is the case id, which column or status code means which event, and how dates are written.

An export is a snapshot: it says what is true of each case on the export's date. Each rule of
the mapping turns a row into at most one event, and only when the event log does not already
say so:

- *once* events (`case_opened`, `enrolled`, `cv_completed`, `case_closed`, each
  `placement_started` / `placement_ended` by its `placement_id`, each `follow_up_held` by its
  date) are emitted when the case has none yet, from any source;
- *status* events (`readiness_assessed`, `phase_changed`, `worker_assigned` per role,
  `case_transferred`, `hours_reported` per month) are emitted when the value in the export
  differs from the case's latest value in the log as of the event's date (by default the
  export's date): a status that changed between two exports becomes one event.

Event ids are derived from the case, the type, the key and (for statuses) the value and date,
so importing the same export twice records nothing new, and two processes importing the same
export at once are still deduplicated by the store. Everything ends in the one write path
(`EventStore.append_prepared`): validation, pseudonyms, idempotency and the quarantine are the
same as for any other import. A row (or one rule of a row) that cannot be mapped is quarantined
with its reason, the citizen column replaced by its pseudonym.

The package's parts, one concept each: `schema` (the mapping file), `readers` (CSV and XLSX
rows), `mapper` (rows to events, against what the log already says) and `run` (an import or
its dry run over one export, with mapping files confined to OVERBLIK_MAPPINGS_DIR).
"""

from ingest.mapping.readers import MAPPED_FORMATS, read_export
from ingest.mapping.run import confined_mapping, import_mapped, server_mapping
from ingest.mapping.schema import Mapping, MappingError, load_mapping, parse_mapping

__all__ = [
    "MAPPED_FORMATS",
    "Mapping",
    "MappingError",
    "confined_mapping",
    "import_mapped",
    "load_mapping",
    "parse_mapping",
    "read_export",
    "server_mapping",
]
