from django.contrib import admin
from django.urls import include, path

from deflection import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("programs/admin/", views.program_admin, name="program_admin"),
    path("programs/<id:pk>/", views.program_detail, name="program_detail"),
    path("programs/<id:pk>/edit/", views.program_edit, name="program_edit"),
    path("agencies/<id:pk>/", views.agency_detail, name="agency_detail"),
    path("accounts/", include("allauth.urls")),
    path("referrals/", include("referrals.urls")),
    path("training/", include("training.urls")),
    path("feedback/", include("feedback.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]
