"""The domain: sources → raw articles → understanding → stories → digests.

Knows nothing of Telegram or SQL.
"""
