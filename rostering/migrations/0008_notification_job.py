# Reviewed: a notification of sessions rostered on the live schedule (Save and Roster) has no
# period; it belongs to its job, once per worker, so running the job again never notifies twice.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0001_initial'),
        ('rostering', '0007_lifecycle_columns_out'),
        ('workforce', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='job',
            field=models.ForeignKey(blank=True, help_text='For sessions rostered on the live schedule: the Save and Roster job.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='jobs.job'),
        ),
        migrations.AddConstraint(
            model_name='notification',
            constraint=models.UniqueConstraint(condition=models.Q(('job__isnull', False)), fields=('worker', 'job'), name='notification_once_per_worker_and_job'),
        ),
    ]
