"""/programs/<id>/: the program page (`program_detail`), its retention and legal holds (`program_retention`)
and its on-call rota (`program_on_call`)."""

from django.urls import path

from referrals import program_views

urlpatterns = [
    path("", program_views.program_detail, name="program_detail"),
    path("retention/", program_views.program_retention, name="program_retention"),
    path("on-call/", program_views.program_on_call, name="program_on_call"),
]
