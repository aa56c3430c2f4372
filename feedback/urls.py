"""Routes for the suggestion box, surveys, research highlights, the outcome feed, messages and letters.

Ids are taken as strings and parsed by the access helpers, so a malformed id
is a 404 with an audit record, like any other guessed id.
"""

from django.urls import path

from feedback import views

app_name = "feedback"
urlpatterns = [
    path("suggestions/", views.suggestions, name="suggestions"),
    path("suggestions/new/", views.suggestion_new, name="suggestion_new"),
    path("suggestions/triage/", views.suggestion_triage, name="triage"),
    path("suggestions/<str:pk>/", views.suggestion_detail, name="suggestion_detail"),
    path("surveys/", views.surveys, name="surveys"),
    path("surveys/new/", views.survey_new, name="survey_new"),
    path("surveys/<str:pk>/", views.survey_answer, name="survey_answer"),
    path("surveys/<str:pk>/results/", views.survey_results, name="survey_results"),
    path("highlights/", views.highlights, name="highlights"),
    path("highlights/new/", views.highlight_new, name="highlight_new"),
    path("highlights/<str:pk>/file/", views.highlight_file, name="highlight_file"),
    path("feed/", views.feed, name="feed"),
    path("messages/<str:pk>/", views.message_detail, name="message"),
    path("referrals/<str:referral_id>/message/", views.message_new, name="message_new"),
    path("referrals/<str:referral_id>/letter/", views.letter_new, name="letter_new"),
    path("letters/", views.letters, name="letters"),
    path("letters/<str:pk>/", views.letter_detail, name="letter"),
    path("letters/<str:pk>/scan/", views.letter_scan, name="letter_scan"),
    path("letters/<str:pk>/review/", views.letter_review, name="letter_review"),
    path("letters/<str:pk>/original/scan/", views.letter_original_scan, name="letter_original_scan"),
]
