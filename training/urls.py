from django.urls import path

from training import views

app_name = "training"
urlpatterns = [
    path("", views.my_training, name="mine"),
    path("people/<str:pk>/", views.person_record, name="person"),
    path("compliance/", views.compliance_home, name="compliance_home"),
    path("programs/<str:program_pk>/", views.program_training, name="program"),
    path("programs/<str:program_pk>/compliance/", views.compliance, name="compliance"),
    path("programs/<str:program_pk>/courses/new/", views.course_create, name="course_create"),
    path("programs/<str:program_pk>/import/", views.attendance_import, name="import"),
    path("courses/<str:pk>/", views.course_detail, name="course"),
    path("courses/<str:pk>/edit/", views.course_edit, name="course_edit"),
    path("courses/<str:course_pk>/sessions/new/", views.session_create, name="session_create"),
    path("sessions/<str:pk>/", views.session_detail, name="session"),
    path("sessions/<str:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<str:pk>/roster/", views.session_roster, name="roster"),
    path("check-in/<str:token>/", views.check_in, name="check_in"),
    path("attendance/<str:pk>/certificate.pdf", views.certificate, name="certificate"),
]
