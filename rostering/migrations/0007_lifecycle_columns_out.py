# Reviewed: step 3 of 3. The bookkeeping now in jobs.Job leaves: the six generation_* columns
# of the period, and the run columns of the validation report (its status, who, when, why it
# failed).
# Each report now belongs to exactly one job.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0001_initial'),
        ('rostering', '0006_lifecycle_state_into_jobs'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='periodvalidation',
            options={'ordering': ['-id']},
        ),
        migrations.RemoveIndex(
            model_name='periodvalidation',
            name='scheduling__period__26f631_idx',
        ),
        migrations.RemoveField(
            model_name='periodvalidation',
            name='created_at',
        ),
        migrations.RemoveField(
            model_name='periodvalidation',
            name='failure_message',
        ),
        migrations.RemoveField(
            model_name='periodvalidation',
            name='finished_at',
        ),
        migrations.RemoveField(
            model_name='periodvalidation',
            name='requested_by',
        ),
        migrations.RemoveField(
            model_name='periodvalidation',
            name='started_at',
        ),
        migrations.RemoveField(
            model_name='periodvalidation',
            name='status',
        ),
        migrations.RemoveField(
            model_name='rosterperiod',
            name='generated_at',
        ),
        migrations.RemoveField(
            model_name='rosterperiod',
            name='generation_done',
        ),
        migrations.RemoveField(
            model_name='rosterperiod',
            name='generation_message',
        ),
        migrations.RemoveField(
            model_name='rosterperiod',
            name='generation_status',
        ),
        migrations.RemoveField(
            model_name='rosterperiod',
            name='generation_total',
        ),
        migrations.RemoveField(
            model_name='rosterperiod',
            name='generation_updated_at',
        ),
        migrations.AlterField(
            model_name='periodvalidation',
            name='job',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='period_validation', to='jobs.job'),
        ),
    ]
