"""Generation writes a period's sessions with bulk_create: a field with a database default
but no Python default makes Django send DEFAULT expressions row by row, which took
PostgreSQL's fast path away (generation went from 2.8× to 4.5× its SQL yardstick). Every
field of the bulk-created models with a db_default has a Python default too."""

import pytest
from django.db.models import NOT_PROVIDED

from sessions_app.models import (
    PlannedService,
    Session,
    SessionActivity,
    SessionAsset,
    SessionClient,
    SessionWorker,
)


@pytest.mark.parametrize("model", [Session, SessionClient, PlannedService, SessionWorker,
                                   SessionAsset, SessionActivity])
def test_every_database_default_has_a_python_default(model):
    missing = [
        f.name for f in model._meta.concrete_fields
        if f.db_default is not NOT_PROVIDED and not f.has_default()
    ]
    assert not missing, f"{model.__name__}: db_default without default on {missing}"
