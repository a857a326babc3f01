"""Error types that tell the operator what to do.

`BadDocument` is for bytes that cannot be read at all (empty, truncated, encrypted,
mislabelled, an HTML error page): it is recorded for that document and never retried.
`Transient` is for failures that may go away (network, database outage) and are worth a
retry. Anything a readable report gets wrong — a missing table, an unknown row label, a
broken sum — is not an exception but a finding in the record.
"""


class GongkaiError(Exception):
    """Base class of gongkai's own errors."""


class BadDocument(GongkaiError):
    """The file cannot be read as a report (not retried)."""


class UnsupportedFormat(BadDocument):
    """The bytes are of a format gongkai has no extractor for."""


class NotAReport(BadDocument):
    """The file reads fine but holds no annual report (recorded as `skipped`)."""


class ResourceLimit(BadDocument):
    """Reading the file took more memory or time than one document may (a bomb, a loop, or
    a file far beyond any report); the message says which budget and where it ran out."""


class Transient(GongkaiError):
    """A failure worth retrying (timeouts, 429/5xx, database unavailable)."""
