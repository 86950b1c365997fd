from .location import Closure, Location, OpeningHours
from .organization import Organization
from .resource import Absence, Resource, ResourceBreak, WorkingHours
from .service import Service

__all__ = [
    "Absence",
    "Closure",
    "Location",
    "OpeningHours",
    "Organization",
    "Resource",
    "ResourceBreak",
    "Service",
    "WorkingHours",
]
