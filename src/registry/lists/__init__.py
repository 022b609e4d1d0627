"""The generic pieces under every list, in the API and in the HSDS view: keyset order and
cursors, full-text matching, and the CSV/NDJSON formats of exports. Nothing here knows a
resource or a request."""
