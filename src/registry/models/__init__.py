"""All mapped models; importing this package registers every table on Base.metadata.

Every module of the package is imported, so a new model module needs no line here (its
class is imported from its module, as `registry.models.<module>`).
"""

import importlib
import pkgutil

from registry.models.admin import ApiToken, Change, IdempotencyKey, SeedRecord
from registry.models.base import Base
from registry.models.figure import Figure
from registry.models.hotline import Hotline, HotlineMetric
from registry.models.organization import Organization
from registry.models.policy import Policy, policy_terms
from registry.models.program import Program, ProgramPartner, program_terms
from registry.models.search import SearchDocument
from registry.models.service_station import ServiceStation
from registry.models.source import Source
from registry.models.vocabulary import Vocabulary, VocabularyTerm

__all__ = [
    "ApiToken",
    "Base",
    "Change",
    "Figure",
    "Hotline",
    "HotlineMetric",
    "IdempotencyKey",
    "Organization",
    "Policy",
    "Program",
    "ProgramPartner",
    "SearchDocument",
    "SeedRecord",
    "ServiceStation",
    "Source",
    "Vocabulary",
    "VocabularyTerm",
    "policy_terms",
    "program_terms",
]

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
