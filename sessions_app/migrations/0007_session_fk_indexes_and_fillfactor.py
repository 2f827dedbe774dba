"""Publishing at provider scale: fewer indexes on sessions, and room on each page to change them.

Publishing a period turns all its sessions (60,000 for a large provider's 4 weeks) from Draft to
Rostered in one UPDATE. PostgreSQL writes each changed row anew and, unless the new version fits
on the same page (a HOT update), adds it to every index of the table.

* The single-column indexes of base_roster, roster_period, site and source_session go: each
  column leads a composite index or constraint that serves the same lookups and foreign-key
  checks (`session_unique_occurrence` is partial on source_session IS NOT NULL, which a lookup
  by source_session implies).
* The table keeps half of each new page free (fillfactor 50), so when a whole period's sessions
  change at once each new row version fits beside the old one: the UPDATE touches no index.
  Vacuum then frees the old versions, and the room serves the next change (In Progress,
  Complete, edits). Rows written before this migration gain the room when the table is
  rewritten (VACUUM FULL, pg_repack); new periods have it at once.

Measured on bench_generation's 58,860-session publish: 3.2–4.7 s before, 0.35–0.65 s after.
"""

import django.db.models.deletion
from django.db import migrations, models

FILLFACTOR = 50


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"ALTER TABLE sessions_app_session SET (fillfactor = {FILLFACTOR})"
        )


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE sessions_app_session RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0001_initial'),
        ('rostering', '0004_validation_links_and_workers_out'),
        ('sessions_app', '0006_session_form_token'),
    ]

    operations = [
        migrations.AlterField(
            model_name='session',
            name='base_roster',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='sessions', to='rostering.baseroster'),
        ),
        migrations.AlterField(
            model_name='session',
            name='roster_period',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='sessions', to='rostering.rosterperiod'),
        ),
        migrations.AlterField(
            model_name='session',
            name='site',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='sessions', to='clients.site'),
        ),
        migrations.AlterField(
            model_name='session',
            name='source_session',
            field=models.ForeignKey(blank=True, db_index=False, help_text='The base-roster session this one was generated from.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='generated', to='sessions_app.session'),
        ),
        migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=False),
    ]
