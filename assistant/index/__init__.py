"""The persistent index: the SQLite store, Chroma vectors and the keyword index, kept in step."""

from assistant.index.index import SCHEMA_VERSION, Index

__all__ = ["SCHEMA_VERSION", "Index"]
