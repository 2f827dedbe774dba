import datetime
import zoneinfo
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from sessions_app import models

from .clients import ClientFactory, ServiceAgreementLineFactory, SiteFactory
from .rostering import AssetFactory, WorkerFactory

SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")


class SessionTypeFactory(DjangoModelFactory):
    class Meta:
        model = models.SessionType
        django_get_or_create = ("name",)

    name = factory.Iterator(["Personal Care", "Community Access", "Group Program", "Sleepover"])


class ServiceTypeFactory(DjangoModelFactory):
    class Meta:
        model = models.ServiceType
        django_get_or_create = ("name",)

    name = factory.Iterator(["Personal care", "Social and community", "Domestic"])


class SessionFactory(DjangoModelFactory):
    """A live-schedule session by default; pass base_roster= or roster_period= to home it."""

    class Meta:
        model = models.Session

    work_type = models.Session.WorkType.APPOINTMENT
    billable = True
    session_type = factory.SubFactory(SessionTypeFactory)
    site = factory.SubFactory(SiteFactory)
    region = factory.LazyAttribute(lambda o: o.site.region)
    start = datetime.datetime(2026, 11, 3, 9, 0, tzinfo=SYDNEY)
    end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(hours=2))
    subject = factory.LazyAttribute(lambda o: f"{o.site.name} · {o.session_type.name}")
    status = models.Session.Status.DRAFT


class SessionClientFactory(DjangoModelFactory):
    class Meta:
        model = models.SessionClient
        skip_postgeneration_save = True

    session = factory.SubFactory(SessionFactory)
    client = factory.SubFactory(ClientFactory)

    @factory.post_generation
    def at_site(obj, create, extracted, **kwargs):
        """Associate the client with the session's site unless at_site=False."""
        if create and extracted is not False:
            obj.client.sites.add(obj.session.site)


class PlannedServiceFactory(DjangoModelFactory):
    class Meta:
        model = models.PlannedService

    session_client = factory.SubFactory(SessionClientFactory)
    agreement_line = factory.SubFactory(
        ServiceAgreementLineFactory,
        agreement__client=factory.SelfAttribute("...session_client.client"),
    )
    support_item = factory.SelfAttribute("agreement_line.support_item")
    quantity = Decimal("2")
    unit_price = factory.SelfAttribute("agreement_line.support_item.price")


class SessionWorkerFactory(DjangoModelFactory):
    class Meta:
        model = models.SessionWorker

    session = factory.SubFactory(SessionFactory)
    worker = factory.SubFactory(WorkerFactory)


class SessionAssetFactory(DjangoModelFactory):
    class Meta:
        model = models.SessionAsset

    session = factory.SubFactory(SessionFactory)
    asset = factory.SubFactory(
        AssetFactory, region=factory.SelfAttribute("..session.site.region")
    )


class SessionActivityFactory(DjangoModelFactory):
    class Meta:
        model = models.SessionActivity

    session = factory.SubFactory(SessionFactory)
    kind = models.SessionActivity.Kind.BREAK
    start = factory.LazyAttribute(lambda o: o.session.start + datetime.timedelta(minutes=60))
    end = factory.LazyAttribute(lambda o: o.start + datetime.timedelta(minutes=30))
    paid = False
