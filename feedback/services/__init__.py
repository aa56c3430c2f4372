"""Writes for the feedback app, one module per concern the folder shows:

- `outcomes`: outcomes to officers (feed disclosure records, case managers' messages, participants'
  letters, the weekly digest);
- `assessment`: officer assessment (suggestions and their triage, surveys and their reminders);
- `highlights`: research and data highlights;
- `retention`: messages and letters of records de-identified under the retention period.

Every function is keyword-only and is the one way its rows are written. The names are re-exported
here so that callers write `services.message_send(...)`.
"""

from feedback.services.assessment import (
    ALREADY_RESPONDED,
    ALREADY_RESPONDED_MESSAGE,
    CHECKLIST_OPEN_QUESTIONS,
    OPEN_ANSWER_MAX_CHARS,
    SUGGESTION_MAX_CHARS,
    SURVEY_MAX_QUESTIONS,
    SURVEY_NOT_OPEN,
    anonymous_submissions_publish,
    audit_anonymous_suggestions,
    suggestion_submit,
    suggestion_triage,
    suggestions_triage_read,
    survey_audience,
    survey_create,
    survey_reminders_enqueue,
    survey_reminders_enqueue_due,
    survey_reminders_send,
    survey_respond,
    survey_results_read,
)
from feedback.services.highlights import (
    UPLOAD_TYPES,
    highlight_post,
)
from feedback.services.outcomes import (
    CONSENT_REQUIRED,
    DIGEST_SEND_AFTER,
    LETTER_DECISIONS,
    LETTER_MAX_CHARS,
    MESSAGE_MAX_CHARS,
    digest_send,
    digest_week,
    letter_original_read,
    letter_read,
    letter_record,
    letter_review,
    letter_scan_bytes,
    message_email_send,
    message_read,
    message_send,
    officer_feed_show,
    weekly_digests_prepare,
    weekly_digests_send,
)
from feedback.services.retention import retention_apply_feedback

__all__ = [
    "retention_apply_feedback",
    "ALREADY_RESPONDED",
    "ALREADY_RESPONDED_MESSAGE",
    "CHECKLIST_OPEN_QUESTIONS",
    "CONSENT_REQUIRED",
    "DIGEST_SEND_AFTER",
    "LETTER_DECISIONS",
    "LETTER_MAX_CHARS",
    "MESSAGE_MAX_CHARS",
    "OPEN_ANSWER_MAX_CHARS",
    "SUGGESTION_MAX_CHARS",
    "SURVEY_MAX_QUESTIONS",
    "SURVEY_NOT_OPEN",
    "UPLOAD_TYPES",
    "anonymous_submissions_publish",
    "audit_anonymous_suggestions",
    "digest_send",
    "digest_week",
    "highlight_post",
    "letter_original_read",
    "letter_read",
    "letter_record",
    "letter_review",
    "letter_scan_bytes",
    "message_email_send",
    "message_read",
    "message_send",
    "officer_feed_show",
    "suggestion_submit",
    "suggestion_triage",
    "survey_audience",
    "survey_create",
    "survey_reminders_enqueue",
    "survey_reminders_enqueue_due",
    "survey_reminders_send",
    "survey_respond",
    "survey_results_read",
    "suggestions_triage_read",
    "weekly_digests_prepare",
    "weekly_digests_send",
]
