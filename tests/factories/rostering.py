import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from rostering import models
from workforce import models as workforce

from .clients import RegionFactory


class QualificationFactory(DjangoModelFactory):
    class Meta:
        model = workforce.Qualification
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Qualification {n}")
    code = factory.Sequence(lambda n: f"qual-{n}")


class WorkerFactory(DjangoModelFactory):
    class Meta:
        model = workforce.Worker
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name", locale="en_AU")
    last_name = factory.Faker("last_name", locale="en_AU")
    email = factory.LazyAttribute(lambda o: f"{o.first_name}.{o.last_name}@example.org".lower())
    active_from = datetime.date(2025, 1, 1)

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(extracted)


class WorkerQualificationFactory(DjangoModelFactory):
    class Meta:
        model = workforce.WorkerQualification

    worker = factory.SubFactory(WorkerFactory)
    qualification = factory.SubFactory(QualificationFactory)
    obtained_on = datetime.date(2024, 1, 1)
    expires_on = datetime.date(2028, 1, 1)


class WorkerUnavailabilityFactory(DjangoModelFactory):
    class Meta:
        model = workforce.WorkerUnavailability

    worker = factory.SubFactory(WorkerFactory)
    kind = workforce.WorkerUnavailability.Kind.LEAVE
    start = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(days=3))
    reason = "Annual leave"


class AssetFactory(DjangoModelFactory):
    class Meta:
        model = workforce.Asset

    name = factory.Sequence(lambda n: f"Shower chair {n}")
    kind = workforce.Asset.Kind.SHOWER_CHAIR
    region = factory.SubFactory(RegionFactory)


class BaseRosterFactory(DjangoModelFactory):
    class Meta:
        model = models.BaseRoster

    name = factory.Sequence(lambda n: f"Base roster {n}")
    active = True
    cycle_weeks = 2
    start_date = datetime.date(2026, 11, 2)  # a Monday
    site = None


class RosterPeriodFactory(DjangoModelFactory):
    class Meta:
        model = models.RosterPeriod

    base_roster = factory.SubFactory(BaseRosterFactory)
    start_date = factory.LazyAttribute(lambda o: o.base_roster.start_date)
    end_date = factory.LazyAttribute(
        lambda o: o.start_date + datetime.timedelta(days=o.base_roster.cycle_days - 1)
    )


