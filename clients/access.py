"""Which regions a user works in, and querysets narrowed to them.

The lowest layer of the region rules: every app (sessions_app's services and selectors, the
rostering and scheduling views, the rules in `scheduling/rules.py`) narrows its data here.

* `user_region_ids(user)`: None for every region (a superuser, or "All regions" ticked on the
  user's region access), else the set of region ids (empty: no region's data at all).
* Each scoped model says how it reaches its region in a class attribute `region_scope`: a
  lookup path ("site__region"), or a tuple of paths meaning "the first one that is set"
  (a session's region, else its site's).
* `scoped(user, queryset)` narrows a queryset; `get_scoped_or_404(user, queryset, pk=…)` is
  `get_object_or_404` that answers 404 for another region's object (it does not say whether
  the object exists); `refuse_outside_regions(user, objects, field=…)` is the services' check.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.shortcuts import get_object_or_404

ALL = None  # user_region_ids(...) for a user who sees every region


def user_region_ids(user) -> frozenset[int] | None:
    """None for all regions, else the ids of the user's regions (read once per user object,
    which lives as long as the request, with the user's groups: `user_group_names`)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    if user.is_superuser:
        return ALL
    return _access(user)[0]


def user_group_names(user) -> frozenset[str]:
    """The names of the user's groups (its roles), read with its regions in one query."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return _access(user)[1]


def _access(user) -> tuple[frozenset[int] | None, frozenset[str]]:
    cached = getattr(user, "_region_access", None)
    if cached is not None:
        return cached
    # One row per (region, group) pair: a user has a handful of each.
    rows = type(user)._default_manager.filter(pk=user.pk).values_list(
        "region_access__all_regions", "region_access__regions", "groups__name"
    )
    all_regions, regions, groups = False, set(), set()
    for every, region_id, group in rows:
        all_regions = all_regions or bool(every)
        if region_id is not None:
            regions.add(region_id)
        if group is not None:
            groups.add(group)
    ids = ALL if all_regions else frozenset(regions)
    user._region_access = (ids, frozenset(groups))
    return user._region_access


def sees_all_regions(user) -> bool:
    return user_region_ids(user) is ALL


def forget_region_ids(user) -> None:
    """Read the user's regions (and groups) again on the next call (after changing them)."""
    if hasattr(user, "_region_access"):
        del user._region_access


def regions_q(user, path: str) -> Q:
    """A Q keeping the rows whose `path` (e.g. "site__region") is one of the user's regions;
    an empty Q for a user of all regions. Use `scoped()` for a path through a many-valued
    relation (it avoids duplicate rows)."""
    ids = user_region_ids(user)
    if ids is ALL:
        return Q()
    return Q(**{f"{path}__in": sorted(ids)})


def _is_many(model, path: str) -> bool:
    for part in path.split("__"):
        if part == "pk":
            return False
        field = model._meta.get_field(part)
        if field.many_to_many or field.one_to_many:
            return True
        model = field.related_model
    return False


def _scope_q(model, ids) -> Q:
    scope = getattr(model, "region_scope", None)
    if scope is None:
        raise TypeError(f"{model.__name__} has no region_scope: it cannot be scoped by region")
    paths = (scope,) if isinstance(scope, str) else tuple(scope)
    ids = sorted(ids)
    condition, earlier_unset = Q(), Q()
    for i, path in enumerate(paths):
        if _is_many(model, path):
            part = Q(pk__in=model._default_manager.filter(**{f"{path}__in": ids}).values("pk"))
        else:
            part = Q(**{f"{path}__in": ids})
        condition = (part & earlier_unset) if i == 0 else condition | (part & earlier_unset)
        earlier_unset &= Q(**{f"{path}__isnull": True})
    return condition


def scoped(user, queryset: QuerySet) -> QuerySet:
    """`queryset` narrowed to the user's regions (unchanged for a user of all regions)."""
    ids = user_region_ids(user)
    if ids is ALL:
        return queryset
    if not ids:
        return queryset.none()
    return queryset.filter(_scope_q(queryset.model, ids))


def get_scoped_or_404(user, queryset, **lookup):
    """The object, or 404 when it does not exist or is in another region than the user's.

    `queryset` may be a model or a queryset: `get_scoped_or_404(request.user,
    Session.objects.select_related("site"), pk=pk)`."""
    if isinstance(queryset, type) and issubclass(queryset, Model):
        queryset = queryset._default_manager.all()
    return get_object_or_404(scoped(user, queryset), **lookup)


def in_user_regions(user, obj) -> bool:
    """Whether `obj` (a model instance with a `region_scope`) is in the user's regions."""
    ids = user_region_ids(user)
    if ids is ALL:
        return True
    if not ids or obj is None or obj.pk is None:
        return False
    return scoped(user, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def refuse_outside_regions(user, objects: Iterable, *, field: str) -> None:
    """For services: raise ValidationError({field: …}) when one of `objects` (instances of
    one model, or None) is outside the user's regions. `user=None` is a system call: allowed."""
    objects = [o for o in objects if o is not None]
    if objects:
        refuse_ids_outside_regions(user, type(objects[0]), [o.pk for o in objects], field=field)


def refuse_ids_outside_regions(user, model, pks: Iterable[int], *, field: str) -> None:
    """The same for primary keys of `model` (an unknown key is refused as well)."""
    if user is None:
        return
    ids = user_region_ids(user)
    if ids is ALL:
        return
    wanted = set(pks)
    if not wanted:
        return
    allowed = set(
        scoped(user, model._default_manager.filter(pk__in=wanted)).values_list("pk", flat=True)
    )
    if wanted - allowed:
        # The message does not name them: the user may not see another region's records.
        noun = model._meta.verbose_name_plural
        raise ValidationError(
            {field: f"Choose only {noun} of your regions."}, code="outside_regions"
        )
