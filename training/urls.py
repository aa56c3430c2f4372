from django.urls import path

from training import views

app_name = "training"
urlpatterns = [
    path("", views.my_training, name="mine"),
    path("people/<id:pk>/", views.person_record, name="person"),
    path("compliance/", views.compliance_home, name="compliance_home"),
    path("programs/<id:program_pk>/", views.program_training, name="program"),
    path("programs/<id:program_pk>/compliance/", views.compliance, name="compliance"),
    path("programs/<id:program_pk>/courses/new/", views.course_create, name="course_create"),
    path("programs/<id:program_pk>/import/", views.attendance_import, name="import"),
    path("courses/<id:pk>/", views.course_detail, name="course"),
    path("courses/<id:pk>/edit/", views.course_edit, name="course_edit"),
    path("courses/<id:course_pk>/sessions/new/", views.session_create, name="session_create"),
    path("sessions/<id:pk>/", views.session_detail, name="session"),
    path("sessions/<id:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<id:pk>/roster/", views.session_roster, name="roster"),
    path("check-in/<str:token>/", views.check_in, name="check_in"),
    path("attendance/<id:pk>/certificate.pdf", views.certificate, name="certificate"),
]
