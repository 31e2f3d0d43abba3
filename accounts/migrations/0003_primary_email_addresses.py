"""Every account gets its primary EmailAddress row: e-ParcoursPro (OpenID Connect) refuses a
login without an email. Accounts created before (by staff, a shell, a command) had their
address vouched for by whoever created them: the row is marked verified."""

from django.db import migrations


def add_missing_addresses(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    with_primary = EmailAddress.objects.filter(primary=True).values("user_id")
    for user in User.objects.exclude(pk__in=with_primary).iterator():
        email = user.email.lower()
        address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
        if address is not None:
            address.primary = True
            address.save(update_fields=["primary"])
        elif not EmailAddress.objects.filter(email__iexact=email, verified=True).exists():
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(add_missing_addresses, migrations.RunPython.noop)]
