"""Routes for the suggestion box, surveys, research highlights, the outcome feed, messages and letters.

Ids match only `<id:...>` (deflection.params): a malformed id is a plain 404 from the
resolver; a well-formed id the user may not see is a 404 with an audit record.
"""

from django.urls import path

from feedback import views

app_name = "feedback"
urlpatterns = [
    path("suggestions/", views.suggestions, name="suggestions"),
    path("suggestions/new/", views.suggestion_new, name="suggestion_new"),
    path("suggestions/triage/", views.suggestion_triage, name="triage"),
    path("suggestions/<uuid:pk>/", views.suggestion_detail, name="suggestion_detail"),
    path("surveys/", views.surveys, name="surveys"),
    path("surveys/new/", views.survey_new, name="survey_new"),
    path("surveys/<id:pk>/", views.survey_answer, name="survey_answer"),
    path("surveys/<id:pk>/results/", views.survey_results, name="survey_results"),
    path("highlights/", views.highlights, name="highlights"),
    path("highlights/new/", views.highlight_new, name="highlight_new"),
    path("highlights/<id:pk>/file/", views.highlight_file, name="highlight_file"),
    path("feed/", views.feed, name="feed"),
    path("messages/<id:pk>/", views.message_detail, name="message"),
    path("referrals/<id:referral_id>/message/", views.message_new, name="message_new"),
    path("referrals/<id:referral_id>/letter/", views.letter_new, name="letter_new"),
    path("letters/", views.letters, name="letters"),
    path("letters/<id:pk>/", views.letter_detail, name="letter"),
    path("letters/<id:pk>/scan/", views.letter_scan, name="letter_scan"),
    path("letters/<id:pk>/review/", views.letter_review, name="letter_review"),
    path("letters/<id:pk>/original/scan/", views.letter_original_scan, name="letter_original_scan"),
]
