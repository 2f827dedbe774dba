"""No double booking: each worker and asset link carries its session's time range and whether the
session is active (Rostered or In Progress); on PostgreSQL an exclusion constraint (btree_gist)
refuses two active links of one worker, or one asset, whose ranges overlap.

The links are filled from their sessions before the constraints are added. A live schedule that
already double-books someone stops the migration on PostgreSQL with the two rows named (fix one
of the sessions, then migrate again).
"""

import django.contrib.postgres.fields.ranges
import django.db.models.deletion
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models

import sessions_app.constraints

ACTIVE = ("rostered", "in_progress")


def fill_links(apps, schema_editor):
    """Every link takes its session's times and status, one UPDATE per table."""
    qn = schema_editor.connection.ops.quote_name
    for table in ("sessions_app_sessionworker", "sessions_app_sessionasset"):
        schema_editor.execute(
            f"UPDATE {qn(table)} SET start = s.start, {qn('end')} = s.{qn('end')}, "
            f"active = (s.status IN (%s, %s) AND s.base_roster_id IS NULL) "
            f"FROM sessions_app_session s WHERE s.id = {qn(table)}.session_id",
            ACTIVE,
        )


class Migration(migrations.Migration):

    dependencies = [
        ('sessions_app', '0008_session_series'),
        ('workforce', '0001_initial'),
    ]

    operations = [
        BtreeGistExtension(),
        # The unique (session, worker) and (session, asset) serve lookups by session: the
        # links' own session index goes (publishing rewrites every link of a period).
        migrations.AlterField(
            model_name='sessionasset',
            name='session',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='session_assets', to='sessions_app.session'),
        ),
        migrations.AlterField(
            model_name='sessionworker',
            name='session',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='session_workers', to='sessions_app.session'),
        ),
        migrations.AddField(
            model_name='sessionasset',
            name='active',
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.AddField(
            model_name='sessionasset',
            name='end',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='sessionasset',
            name='start',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='sessionworker',
            name='active',
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.AddField(
            model_name='sessionworker',
            name='end',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='sessionworker',
            name='start',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill_links, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name='sessionasset',
            constraint=models.CheckConstraint(condition=models.Q(('active', False), models.Q(('end__isnull', False), ('start__isnull', False)), _connector='OR'), name='session_asset_active_has_range'),
        ),
        migrations.AddConstraint(
            model_name='sessionasset',
            constraint=sessions_app.constraints.PostgresExclusionConstraint(condition=models.Q(('active', True)), expressions=[('asset', '='), (sessions_app.constraints.TsTzRange('start', 'end', django.contrib.postgres.fields.ranges.RangeBoundary()), '&&')], name='session_asset_no_overlap', violation_error_message='This asset is already in an overlapping session.'),
        ),
        migrations.AddConstraint(
            model_name='sessionworker',
            constraint=models.CheckConstraint(condition=models.Q(('active', False), models.Q(('end__isnull', False), ('start__isnull', False)), _connector='OR'), name='session_worker_active_has_range'),
        ),
        migrations.AddConstraint(
            model_name='sessionworker',
            constraint=sessions_app.constraints.PostgresExclusionConstraint(condition=models.Q(('active', True)), expressions=[('worker', '='), (sessions_app.constraints.TsTzRange('start', 'end', django.contrib.postgres.fields.ranges.RangeBoundary()), '&&')], name='session_worker_no_overlap', violation_error_message='This worker is already in an overlapping session.'),
        ),
    ]
