from django.urls import path

from referrals.api import views

app_name = "api_clients"

urlpatterns = [
    path("", views.clients, name="list"),
    path("<id:pk>/revoke/", views.client_revoke, name="revoke"),
    path("programs/<id:program_pk>/hsds/", views.directory_publication, name="publication"),
]
