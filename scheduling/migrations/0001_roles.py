from django.db import migrations


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    from scheduling.roles import DOMAIN_APPS, ROLES

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = list(
        Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS).select_related(
            "content_type"
        )
    )
    for name, rules in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        chosen = []
        for perm in perms:
            action, _, model = perm.codename.partition("_")
            allowed = rules.get(action, ())
            if allowed == "*" or model in allowed:
                chosen.append(perm)
        group.permissions.set(chosen)


def remove_roles(apps, schema_editor):
    from scheduling.roles import ROLES

    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("clients", "0001_initial"),
        ("rostering", "0001_initial"),
        ("sessions_app", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
