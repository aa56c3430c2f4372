"""Indexes that the report figures need on the referrals app's tables (reports.metrics)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("referrals", "0001_initial"),
    ]

    operations = [
        # Dashboard, leaderboard, newsletter: "re-referral" looks for the same person's earlier referral.
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS reports_referral_participant_created_idx "
            "ON referrals_referral (participant_id, created_at)",
            "DROP INDEX IF EXISTS reports_referral_participant_created_idx",
        ),
        # Dashboard, leaderboard, newsletter: retention, declined and unable-to-contact are read from a
        # referral's history; the partial index holds only those few steps.
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS reports_statuschange_outcome_idx "
            "ON referrals_statuschange (referral_id, status, at) "
            "WHERE status IN ('retained_30', 'retained_90', 'declined', 'unable_to_contact')",
            "DROP INDEX IF EXISTS reports_statuschange_outcome_idx",
        ),
    ]
