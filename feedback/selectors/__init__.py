"""Reads for the feedback app, one module per concern (as in feedback/services/):

- `outcomes`: the consent-gated outcome feed, messages, letters, the officer's suppressed outcomes;
- `assessment`: suggestions, "you said, we did", surveys and their suppressed results;
- `highlights`: research and data highlights.

Figures are suppressed before any template sees them. The names are re-exported here.
"""

from feedback.selectors.assessment import (
    GroupResult,
    QuestionResult,
    SurveyResults,
    answered_suggestions,
    my_suggestions,
    suppressed_groups,
    survey_results,
    surveys_for_respondent,
    surveys_for_results,
    triage_counts,
    triage_queue,
    you_said_we_did,
)
from feedback.selectors.highlights import (
    highlights_for,
    latest_highlights,
)
from feedback.selectors.outcomes import (
    ENGAGED_WITHIN,
    FEED_ITEMS,
    FEED_REFERRALS,
    REFERRAL_FEED_FIELDS,
    FeedItem,
    FeedKind,
    NewsletterLetter,
    OutcomeSummary,
    YearOutcomes,
    approved_newsletter_letters,
    free_text_refusal_for,
    letter_counts,
    letters_recorded_by_provider,
    letters_to_review,
    messages_about,
    officer_feed,
    officer_outcome_summary,
    officers_with_activity,
)

__all__ = [
    "ENGAGED_WITHIN",
    "FEED_ITEMS",
    "FEED_REFERRALS",
    "FeedItem",
    "FeedKind",
    "GroupResult",
    "NewsletterLetter",
    "OutcomeSummary",
    "QuestionResult",
    "REFERRAL_FEED_FIELDS",
    "SurveyResults",
    "YearOutcomes",
    "answered_suggestions",
    "approved_newsletter_letters",
    "free_text_refusal_for",
    "highlights_for",
    "latest_highlights",
    "letter_counts",
    "letters_recorded_by_provider",
    "letters_to_review",
    "messages_about",
    "my_suggestions",
    "officer_feed",
    "officer_outcome_summary",
    "officers_with_activity",
    "suppressed_groups",
    "survey_results",
    "surveys_for_respondent",
    "surveys_for_results",
    "triage_counts",
    "triage_queue",
    "you_said_we_did",
]
