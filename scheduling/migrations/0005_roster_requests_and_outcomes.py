# Reviewed: Save and Roster — a request per press (the target of its job) and an outcome per
# occurrence.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('scheduling', '0004_roles_cover_workforce'),
        ('sessions_app', '0009_booking_ranges_no_double_booking'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RosterRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('previous', models.ForeignKey(blank=True, help_text='Roster again: the request whose Draft occurrences this one tries again.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='scheduling.rosterrequest')),
                ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='RosterOutcome',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveIntegerField(help_text='The order of the occurrences (by start).')),
                ('result', models.CharField(choices=[('pending', 'Waiting'), ('rostered', 'Rostered'), ('draft', 'Draft'), ('skipped', 'Skipped')], default='pending', max_length=10)),
                ('reasons', models.JSONField(blank=True, default=list, help_text='Why it stays Draft.')),
                ('warnings', models.JSONField(blank=True, default=list, help_text='Fatigue rules, not blocking.')),
                ('other_session', models.ForeignKey(blank=True, help_text='The session it clashes with, if that is the reason.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='sessions_app.session')),
                ('session', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='roster_outcomes', to='sessions_app.session')),
                ('request', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='outcomes', to='scheduling.rosterrequest')),
            ],
            options={
                'ordering': ['request', 'position'],
                'indexes': [models.Index(fields=['session', '-id'], name='roster_outcome_latest')],
                'constraints': [models.UniqueConstraint(fields=('request', 'session'), name='roster_outcome_once')],
            },
        ),
    ]
