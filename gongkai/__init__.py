"""gongkai (公开): government information disclosure annual reports → a queryable warehouse.

The application layer: one processing path for a document (`gongkai.process`) and the
`gongkai` command (`gongkai.cli`), over the stages and the core below them.
"""

from core import __version__

__all__ = ["__version__"]
