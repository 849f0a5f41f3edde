"""Pure counting for every vote a county or township people's congress holds (shared/domain.md).

No I/O and no server imports. The one entry point other packages need is :func:`count_document`
(the JSON file interface); the typed functions live in the per-kind modules.
"""

from tally.document import KINDS, count_document
from tally.errors import MalformedInput, StatutoryViolation, TallyError

__all__ = ["KINDS", "MalformedInput", "StatutoryViolation", "TallyError", "count_document"]
