"""/programs/<id>/: the program page (`program_detail`) and its retention and legal holds (`program_retention`)."""

from django.urls import path

from referrals import program_views

urlpatterns = [
    path("", program_views.program_detail, name="program_detail"),
    path("retention/", program_views.program_retention, name="program_retention"),
]
