"""gongkai (公开): government information disclosure annual reports → a queryable warehouse."""

__version__ = "0.1.0"
