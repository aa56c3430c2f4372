from django.contrib import admin
from django.urls import include, path

from deflection import account_views, audit_views, health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("programs/admin/", views.program_admin, name="program_admin"),
    # The program page shows eligibility and referral times, so it is a referrals view.
    path("programs/<id:pk>/", include("referrals.program_urls")),
    path("programs/<id:pk>/edit/", views.program_edit, name="program_edit"),
    path("agencies/<id:pk>/", views.agency_detail, name="agency_detail"),
    path("people/locked/", account_views.locked_accounts, name="locked_accounts"),
    path("people/<id:pk>/unlock/", account_views.account_unlock, name="account_unlock"),
    path("people/<id:pk>/reenable/", account_views.account_reenable, name="account_reenable"),
    path("audit/", audit_views.audit_review, name="audit_review"),
    path("audit/export.csv", audit_views.audit_review_csv, name="audit_review_csv"),
    path("accounts/", include("allauth.urls")),
    path("referrals/", include("referrals.urls")),
    path("overdose/", include("referrals.overdose.urls")),
    path("training/", include("training.urls")),
    path("feedback/", include("feedback.urls")),
    path("reports/", include("reports.urls")),
    path("api/v1/", include("referrals.api.urls_v1")),
    path("api/clients/", include("referrals.api.urls")),
    path("coresponder/", include("referrals.coresponder.urls")),
    path("hub/", include("referrals.hub.urls")),
    path("walkin/", include("referrals.walkin.urls")),
    # Before the admin's own URLs, so its password-only sign-in is never reached.
    path("admin/login/", account_views.admin_login, name="admin_login_redirect"),
    path("admin/", admin.site.urls),
]

# A database that cannot be reached answers a plain 503 "nothing was saved, try again" (issue 15).
handler500 = "deflection.error_pages.server_error"
