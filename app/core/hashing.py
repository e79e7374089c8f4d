"""File hashing (one implementation, shared with the model store)."""

from engines.store import sha256_file

__all__ = ["sha256_file"]
