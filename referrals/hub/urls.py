from django.urls import path

from referrals.hub import views

app_name = "hub"

urlpatterns = [
    path("", views.home, name="home"),
    path("programs/<id:program_pk>/tables/new/", views.table_new, name="table_new"),
    path("tables/<id:pk>/", views.table_detail, name="table"),
    path("tables/<id:pk>/members/", views.table_members, name="table_members"),
    path("tables/<id:pk>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("tables/<id:pk>/situations/new/", views.situation_new, name="situation_new"),
    path("tables/<id:pk>/figures/", views.figures, name="figures"),
    path("meetings/<id:pk>/", views.meeting_detail, name="meeting"),
    path("situations/<id:pk>/", views.situation_detail, name="situation"),
    path("situations/<id:pk>/decide/", views.situation_decide, name="decide"),
    path("situations/<id:pk>/identity/share/", views.identity_share, name="identity_share"),
    path("situations/<id:pk>/identity/", views.identity_reveal, name="identity"),
    path("situations/<id:pk>/intervention/", views.intervention, name="intervention"),
    path("situations/<id:pk>/close/", views.situation_close, name="close"),
]
