# Reviewed: step 1 of 3 of moving the lifecycle bookkeeping to jobs.Job. A nullable link from
# each validation report to its job; 0006 fills it, 0007 makes it required.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0001_initial'),
        ('rostering', '0004_validation_links_and_workers_out'),
    ]

    operations = [
        # jobs.Job's `job_one_active_per_target` guards the runs from now on. (Dropped first,
        # so that migrating back re-creates it only once the runs' statuses are restored.)
        migrations.RemoveConstraint(
            model_name='periodvalidation',
            name='period_validation_one_active',
        ),
        migrations.AddField(
            model_name='periodvalidation',
            name='job',
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='period_validation', to='jobs.job'),
        ),
    ]
