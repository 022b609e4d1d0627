"""A resource's list endpoint, split by reason to change: `params` (the query parameters),
`query` (SQL and keyset pages), `indexed` (the match-index path), `page` (the JSON page and
its items) and `export` (CSV and NDJSON streams). The generic pieces under them are in
`registry.lists`."""

from registry.api.listing.page import list_response
from registry.api.listing.params import MAX_LIMIT, ListParams, list_params

__all__ = ["MAX_LIMIT", "ListParams", "list_params", "list_response"]
