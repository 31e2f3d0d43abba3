from django.db import migrations, models
from django.db.models import F


def told_at_request(apps, schema_editor):
    """The requests made before the field existed were told to their deciders at once."""
    Attachment = apps.get_model("employers", "Attachment")
    Attachment.objects.filter(deciders_told_at__isnull=True).update(
        deciders_told_at=F("requested_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("employers", "0003_attachment"),
    ]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="deciders_told_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="valideurs prévenus le"
            ),
        ),
        migrations.RunPython(told_at_request, migrations.RunPython.noop),
    ]
