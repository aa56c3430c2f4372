from django.contrib import admin
from django.urls import include, path

from deflection import account_views, health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("programs/admin/", views.program_admin, name="program_admin"),
    # The program page shows eligibility and referral times, so it is a referrals view.
    path("programs/<str:pk>/", include("referrals.program_urls")),
    path("programs/<str:pk>/edit/", views.program_edit, name="program_edit"),
    path("agencies/<str:pk>/", views.agency_detail, name="agency_detail"),
    path("people/locked/", account_views.locked_accounts, name="locked_accounts"),
    path("people/<str:pk>/unlock/", account_views.account_unlock, name="account_unlock"),
    path("people/<str:pk>/reenable/", account_views.account_reenable, name="account_reenable"),
    path("accounts/", include("allauth.urls")),
    path("referrals/", include("referrals.urls")),
    path("training/", include("training.urls")),
    path("feedback/", include("feedback.urls")),
    path("reports/", include("reports.urls")),
    # Before the admin's own URLs, so its password-only sign-in is never reached.
    path("admin/login/", account_views.admin_login, name="admin_login_redirect"),
    path("admin/", admin.site.urls),
]

# A database that cannot be reached answers a plain 503 "nothing was saved, try again" (issue 15).
handler500 = "deflection.error_pages.server_error"
