from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("referrals", "0003_privacy_consent_scope_data")]

    operations = [
        migrations.AddConstraint(
            model_name="consent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("expires_on__isnull", False), models.Q(("expiry_event_kind", ""), _negated=True), _connector="OR"
                ),
                name="consent_has_expiry_date_or_event",
            ),
        ),
    ]
