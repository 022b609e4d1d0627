"""Reads seeds/, validates it with the API's create schemas and upserts it."""
