import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from clients import models


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = models.Region
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Region {n}")
    code = factory.Sequence(lambda n: f"region-{n}")


class SiteFactory(DjangoModelFactory):
    class Meta:
        model = models.Site

    name = factory.Sequence(lambda n: f"Site {n}")
    region = factory.SubFactory(RegionFactory)
    time_zone = "Australia/Sydney"
    state = factory.LazyAttribute(lambda o: models.state_for_time_zone(o.time_zone))
    address = factory.Faker("street_address", locale="en_AU")


class ClientFactory(DjangoModelFactory):
    class Meta:
        model = models.Client
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name", locale="en_AU")
    last_name = factory.Faker("last_name", locale="en_AU")
    ndis_number = factory.Sequence(lambda n: f"43{n:07d}")
    status = models.Client.Status.ACTIVE

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is not None:
            is_one = isinstance(extracted, models.Site)
            self.sites.set([extracted] if is_one else extracted)


class SupportItemFactory(DjangoModelFactory):
    class Meta:
        model = models.SupportItem
        django_get_or_create = ("item_number",)

    item_number = factory.Sequence(lambda n: f"01_{n:03d}_0107_1_1")
    name = factory.Sequence(lambda n: f"Assistance With Self-Care Activities {n}")
    unit = models.SupportItem.Unit.HOUR
    price = Decimal("70.23")


class ServiceAgreementFactory(DjangoModelFactory):
    class Meta:
        model = models.ServiceAgreement

    client = factory.SubFactory(ClientFactory)
    reference = factory.Sequence(lambda n: f"SA-{n:05d}")
    start_date = datetime.date(2026, 1, 1)
    end_date = datetime.date(2027, 6, 30)
    funding_source = models.ServiceAgreement.FundingSource.NDIS_PLAN


class ServiceAgreementLineFactory(DjangoModelFactory):
    class Meta:
        model = models.ServiceAgreementLine

    agreement = factory.SubFactory(ServiceAgreementFactory)
    support_item = factory.SubFactory(SupportItemFactory)
    budget_quantity = Decimal("200")
    budget_amount = factory.LazyAttribute(lambda o: o.budget_quantity * o.support_item.price)
    delivery_ratio = "1:1"


class GroupTemplateFactory(DjangoModelFactory):
    class Meta:
        model = models.GroupTemplate
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Group program {n}")
    site = factory.SubFactory(SiteFactory)
    ratio = "1:3"

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.set(extracted)


class GroupTemplateItemFactory(DjangoModelFactory):
    class Meta:
        model = models.GroupTemplateItem

    template = factory.SubFactory(GroupTemplateFactory)
    support_item = factory.SubFactory(SupportItemFactory)
