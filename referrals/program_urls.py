"""/programs/<id>/: the program page, under the un-namespaced name `program_detail`."""

from django.urls import path

from referrals import program_views

urlpatterns = [path("", program_views.program_detail, name="program_detail")]
