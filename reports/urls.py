from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("leaderboard/", views.leaderboard_home, name="leaderboard_home"),
    path("newsletters/", views.newsletters_home, name="newsletters_home"),
    path("commendations/", views.my_commendations, name="my_commendations"),
    path("commendations/<id:pk>/newsletter/", views.commendation_newsletter, name="commendation_newsletter"),
    path("programs/<id:program_pk>/dashboard/", views.program_dashboard, name="program_dashboard"),
    path("programs/<id:program_pk>/leaderboard/", views.leaderboard, name="leaderboard"),
    path("programs/<id:program_pk>/commendations/", views.program_commendations, name="program_commendations"),
    path("programs/<id:program_pk>/officers/<id:officer_pk>/", views.evaluation_sheet, name="evaluation_sheet"),
    path("programs/<id:program_pk>/officers/<id:officer_pk>/pdf/", views.evaluation_sheet_pdf, name="evaluation_sheet_pdf"),
    path("programs/<id:program_pk>/officers/<id:officer_pk>/csv/", views.evaluation_sheet_csv, name="evaluation_sheet_csv"),
    path("programs/<id:program_pk>/officers/<id:officer_pk>/commend/", views.commend, name="commend"),
    path("programs/<id:program_pk>/federal/", views.federal_export, name="federal_export"),
    path("programs/<id:program_pk>/illinois/", views.illinois_export, name="illinois_export"),
    path("programs/<id:program_pk>/newsletters/", views.newsletters, name="newsletters"),
    path("programs/<id:program_pk>/newsletters/quarterly/", views.quarterly_new, name="quarterly_new"),
    path("programs/<id:program_pk>/lists/new/", views.recipient_list_new, name="recipient_list_new"),
    path("newsletters/<id:pk>/", views.newsletter_detail, name="newsletter_detail"),
    path("newsletters/<id:pk>/download/", views.newsletter_download, name="newsletter_download"),
    path("newsletters/<id:pk>/status.json", views.newsletter_status, name="newsletter_status"),
    path("newsletters/<id:pk>/regenerate/", views.newsletter_regenerate, name="newsletter_regenerate"),
    path("newsletters/<id:pk>/send/", views.newsletter_send, name="newsletter_send"),
    path("sends/<id:pk>/", views.send_detail, name="send_detail"),
    path("sends/<id:pk>/status.json", views.send_status, name="send_status"),
    path("sends/<id:pk>/retry/", views.send_retry, name="send_retry"),
]
