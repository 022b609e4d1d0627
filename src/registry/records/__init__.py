"""The one door for reading and writing a record, whichever way it comes in.

- `markers`: what a create schema's fields point at (vocabulary codes, other records);
- `resolve`: codes and references to ids, every failure collected;
- `mapping`: a create schema to row values and back;
- `write`: create, update and upsert, with the entity's own checks;
- `lifecycle`: soft delete, restore and purge;
- `bulk`: many new records with one INSERT per table;
- `changes`: the change log every write appends to;
- `render`: a stored record to its read schema, driven by the entity spec;
- `lookup`: one record by UUID or natural key.

The API, the seed loader and imports all call these, so a rule lives in one place.
"""
