"""Errors the storage layer raises, each saying in one line what failed."""

from __future__ import annotations


class StorageError(Exception):
    """Base class for storage errors."""


class AlreadyExists(StorageError):
    """The row would duplicate one that is already stored."""


class NotFound(StorageError):
    """The row asked for is not stored."""
