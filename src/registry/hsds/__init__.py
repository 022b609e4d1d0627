"""The registry as Open Referral HSDS 3.0: schemas, mapping and queries behind /hsds/.

docs/hsds.md describes the mapping field by field.
"""

from __future__ import annotations

import uuid

HSDS_VERSION = "3.0"
# The base specification: we publish no HSDS profile of our own.
HSDS_PROFILE = "https://github.com/openreferral/specification/tree/3.0"

# Namespace of the uuid5 ids of HSDS objects that have no row of their own (locations,
# attributes, schedules, service areas, metadata): the same record always gets the same id.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:registry:hsds:3.0")


def derived_id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts))
