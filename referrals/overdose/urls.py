from django.urls import path

from referrals.overdose import views

app_name = "overdose"
urlpatterns = [
    path("new/", views.overdose_new, name="new"),
    path("<id:pk>/done/", views.overdose_done, name="done"),
    path("outreach/", views.queue, name="queue"),
    path("outreach/<id:pk>/", views.case_detail, name="case"),
    path("family/", views.family_follow_ups, name="family"),
    path("family/<id:pk>/done/", views.family_follow_up_done, name="family_done"),
    path("naloxone/", views.naloxone_ledger, name="naloxone"),
    path("programs/<id:program_pk>/import/", views.overdose_import, name="import"),
    path("programs/<id:program_pk>/settings/", views.outreach_settings, name="settings"),
    path("programs/<id:program_pk>/odmap.csv", views.odmap_export, name="odmap"),
]
