"""Writes of the clients app."""

from __future__ import annotations

from django.db import transaction

from .access import forget_region_ids
from .models import RegionAccess


@transaction.atomic
def region_access_set(*, user, all_regions: bool = False, regions=()) -> RegionAccess:
    """Make the user's regions these: every region (`all_regions`) or those in `regions`."""
    access, _ = RegionAccess.objects.update_or_create(
        user=user, defaults={"all_regions": all_regions}
    )
    access.regions.set(list(regions))
    forget_region_ids(user)
    return access
