"""The demo municipality Musterhausen (and a small practice for resource-based services).

`load_demo` is idempotent: it updates by slug, so running it twice changes nothing.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from .models import Location, OpeningHours, Organization, Resource, Service, WorkingHours

WEEKDAY_HOURS = {  # ISO weekdays; usual office hours: two late days, Friday mornings only
    "rathaus": {
        1: ("08:00", "16:00"),
        2: ("08:00", "18:00"),
        3: ("08:00", "16:00"),
        4: ("08:00", "18:00"),
        5: ("08:00", "12:00"),
    },
    "ba-nord": {1: ("08:00", "16:00"), 3: ("08:00", "16:00"), 5: ("08:00", "12:00")},
}

LOCATIONS = [
    {
        "slug": "rathaus",
        "name": "Rathaus Musterhausen",
        "short_name": "Rathaus",
        "street": "Rathausplatz 1",
        "zip_code": "12345",
        "city": "Musterhausen",
        "phone": "+49 1234 5678-100",
        "email": "rathaus@musterhausen.de",
    },
    {
        "slug": "ba-nord",
        "name": "Bezirksamt Nord",
        "short_name": "BA-Nord",
        "street": "Nordstrasse 15",
        "zip_code": "12346",
        "city": "Musterhausen-Nord",
        "phone": "+49 1234 5678-200",
        "email": "ba-nord@musterhausen.de",
    },
]

# name, duration, simultaneous bookings, fee, documents, locations, prefix, translations
SERVICES = [
    (
        "personalausweis",
        "Personalausweis beantragen",
        15,
        2,
        Decimal("37.00"),
        ["Altes Ausweisdokument", "Passfoto (biometrisch)"],
        ["rathaus", "ba-nord"],
        "A",
        {
            "en": (
                "Apply for an identity card",
                ["Old identity document", "Biometric passport photo"],
            ),
            "tr": (
                "Kimlik kartı başvurusu",
                ["Eski kimlik belgesi", "Biyometrik vesikalık fotoğraf"],
            ),
            "ar": ("طلب بطاقة الهوية", ["وثيقة الهوية القديمة", "صورة شخصية بيومترية"]),
            "uk": ("Оформлення посвідчення особи", ["Старий документ", "Біометричне фото"]),
        },
    ),
    (
        "reisepass",
        "Reisepass beantragen",
        20,
        2,
        Decimal("70.00"),
        ["Personalausweis", "Passfoto (biometrisch)"],
        ["rathaus"],
        "B",
        {
            "en": ("Apply for a passport", ["Identity card", "Biometric passport photo"]),
            "tr": ("Pasaport başvurusu", ["Kimlik kartı", "Biyometrik vesikalık fotoğraf"]),
            "ar": ("طلب جواز سفر", ["بطاقة الهوية", "صورة شخصية بيومترية"]),
            "uk": ("Оформлення закордонного паспорта", ["Посвідчення особи", "Біометричне фото"]),
        },
    ),
    (
        "fuehrungszeugnis",
        "Führungszeugnis beantragen",
        10,
        3,
        Decimal("13.00"),
        ["Personalausweis"],
        ["rathaus", "ba-nord"],
        "C",
        {
            "en": ("Apply for a certificate of good conduct", ["Identity card"]),
            "tr": ("Sabıka kaydı başvurusu", ["Kimlik kartı"]),
            "ar": ("طلب شهادة حسن السيرة والسلوك", ["بطاقة الهوية"]),
            "uk": ("Довідка про несудимість", ["Посвідчення особи"]),
        },
    ),
    (
        "ummeldung",
        "Ummeldung Wohnsitz",
        15,
        2,
        None,
        ["Personalausweis", "Wohnungsgeberbestätigung"],
        ["rathaus", "ba-nord"],
        "D",
        {
            "en": ("Register a change of address", ["Identity card", "Landlord's confirmation"]),
            "tr": ("İkamet adresi değişikliği", ["Kimlik kartı", "Ev sahibi onayı"]),
            "ar": ("تسجيل تغيير العنوان", ["بطاقة الهوية", "تأكيد المؤجر"]),
            "uk": (
                "Перереєстрація місця проживання",
                ["Посвідчення особи", "Підтвердження від орендодавця"],
            ),
        },
    ),
    (
        "kfz-zulassung",
        "KFZ-Zulassung",
        30,
        1,
        None,
        ["Personalausweis", "Fahrzeugpapiere", "eVB-Nummer", "SEPA-Mandat"],
        ["rathaus"],
        "E",
        {
            "en": (
                "Vehicle registration",
                [
                    "Identity card",
                    "Vehicle documents",
                    "eVB insurance number",
                    "SEPA direct debit mandate",
                ],
            ),
            "tr": (
                "Araç tescili",
                ["Kimlik kartı", "Araç belgeleri", "eVB numarası", "SEPA talimatı"],
            ),
            "ar": (
                "تسجيل المركبة",
                ["بطاقة الهوية", "أوراق المركبة", "رقم التأمين eVB", "تفويض SEPA"],
            ),
            "uk": (
                "Реєстрація транспортного засобу",
                ["Посвідчення особи", "Документи на авто", "Номер eVB", "Мандат SEPA"],
            ),
        },
    ),
]


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _translations(data: dict) -> dict:
    return {lang: {"name": name, "required_documents": docs} for lang, (name, docs) in data.items()}


@transaction.atomic
def load_demo() -> Organization:
    org, _ = Organization.objects.update_or_create(
        slug="musterhausen",
        defaults={
            "name": settings.MUNICIPALITY_NAME,
            "short_name": settings.MUNICIPALITY_SHORT,
            "website": "https://www.musterhausen.de",
            "privacy_url": "https://www.musterhausen.de/datenschutz",
            "imprint_url": "https://www.musterhausen.de/impressum",
            "phone": "+49 1234 5678-0",
            "address": "Rathausplatz 1, 12345 Musterhausen",
            "holiday_region": "DE-NW",
            "timezone": "Europe/Berlin",
        },
    )
    locations = {}
    for data in LOCATIONS:
        location, _ = Location.objects.update_or_create(
            organization=org, slug=data["slug"], defaults=data
        )
        location.opening_hours.all().delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(location=location, weekday=day, opens=_time(a), closes=_time(b))
            for day, (a, b) in WEEKDAY_HOURS[data["slug"]].items()
        )
        locations[data["slug"]] = location
    for slug, name, minutes, parallel, fee, docs, where, prefix, i18n in SERVICES:
        service, _ = Service.objects.update_or_create(
            organization=org,
            slug=slug,
            defaults={
                "name": name,
                "duration_minutes": minutes,
                "capacity": parallel,
                "fee": fee,
                "required_documents": docs,
                "queue_prefix": prefix,
                "translations": _translations(i18n),
            },
        )
        service.locations.set([locations[s] for s in where])
    _load_practice()
    return org


def _load_practice() -> Organization:
    """A practice whose services are booked onto doctors, rooms and devices."""
    org, _ = Organization.objects.update_or_create(
        slug="praxis-sommer",
        defaults={
            "name": "Hausarztpraxis Dr. Sommer",
            "short_name": "Praxis Sommer",
            "kind": Organization.Kind.PRACTICE,
            "holiday_region": "DE-NW",
            "timezone": "Europe/Berlin",
        },
    )
    site, _ = Location.objects.update_or_create(
        organization=org,
        slug="praxis",
        defaults={
            "name": "Praxis Dr. Sommer",
            "street": "Lindenallee 3",
            "zip_code": "12345",
            "city": "Musterhausen",
        },
    )
    site.opening_hours.all().delete()
    OpeningHours.objects.bulk_create(
        [
            OpeningHours(location=site, weekday=d, opens=time(8), closes=time(12))
            for d in range(1, 6)
        ]
        + [
            OpeningHours(location=site, weekday=d, opens=time(14), closes=time(18))
            for d in (1, 2, 4)
        ]
    )
    consult, _ = Service.objects.update_or_create(
        organization=org,
        slug="sprechstunde",
        defaults={
            "name": "Sprechstunde",
            "duration_minutes": 15,
            "needs_staff": True,
            "needs_room": True,
            "queue_prefix": "S",
            "translations": _translations(
                {
                    "en": ("Consultation", []),
                    "tr": ("Muayene", []),
                    "ar": ("استشارة", []),
                    "uk": ("Консультація", []),
                }
            ),
        },
    )
    ecg, _ = Service.objects.update_or_create(
        organization=org,
        slug="ekg",
        defaults={
            "name": "EKG",
            "duration_minutes": 20,
            "buffer_after_minutes": 10,
            "needs_staff": True,
            "needs_device": True,
            "queue_prefix": "E",
            "translations": _translations(
                {"en": ("ECG", []), "tr": ("EKG", []), "ar": ("تخطيط القلب", []), "uk": ("ЕКГ", [])}
            ),
        },
    )
    for service in (consult, ecg):
        service.locations.set([site])
    resources = [
        (
            "Dr. Anna Sommer",
            Resource.Kind.STAFF,
            [consult, ecg],
            [(d, 8, 12) for d in range(1, 6)] + [(d, 14, 18) for d in (1, 2, 4)],
        ),
        ("Dr. Kemal Aydın", Resource.Kind.STAFF, [consult], [(d, 8, 12) for d in (1, 2, 3)]),
        ("Sprechzimmer 1", Resource.Kind.ROOM, [consult], []),
        ("Sprechzimmer 2", Resource.Kind.ROOM, [consult], []),
        ("EKG-Gerät", Resource.Kind.DEVICE, [ecg], []),
    ]
    for name, kind, services, hours in resources:
        resource, _ = Resource.objects.update_or_create(
            location=site, name=name, defaults={"kind": kind}
        )
        resource.services.set(services)
        resource.working_hours.all().delete()
        WorkingHours.objects.bulk_create(
            WorkingHours(resource=resource, weekday=d, starts=time(a), ends=time(b))
            for d, a, b in hours
        )
    return org
