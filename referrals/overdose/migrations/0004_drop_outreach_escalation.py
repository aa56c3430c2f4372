"""The outreach escalations live in referrals.clocks now (0003 moved them): drop the duplicate model."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("overdose", "0003_outreach_escalations_into_clocks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveField(
            model_name="outreachcase",
            name="escalation_level",
        ),
        migrations.AlterField(
            model_name="outreachsettings",
            name="on_call_case_manager",
            field=models.ForeignKey(
                blank=True,
                help_text="Told first when a case's clock runs out and nobody is on call at the case-management provider.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.DeleteModel(
            name="OutreachEscalation",
        ),
    ]
