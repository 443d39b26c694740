"""The index: the SQLite store, the in-memory matrix, scanning and indexing."""
