"""Reads of workers and assets."""

import datetime

from django.db.models import Prefetch, Q, QuerySet

from .models import Asset, Worker, WorkerQualification


def assets_for_region(*, region_id) -> QuerySet[Asset]:
    return Asset.objects.filter(region_id=region_id, active=True).order_by("kind", "name")


def workers_active_on(*, day: datetime.date, search: str = "", region_id=None) -> QuerySet[Worker]:
    qs = Worker.objects.active_on(day)
    if region_id:
        qs = qs.filter(regions=region_id)
    for word in search.split():
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return qs.prefetch_related(
        Prefetch(
            "qualifications",
            queryset=WorkerQualification.objects.select_related("qualification"),
        )
    ).order_by("last_name", "first_name").distinct()
