from django.urls import path

from referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.officer_home, name="officer_home"),
    path("new/", views.referral_new, name="new"),
    path("<str:pk>/done/", views.referral_done, name="done"),
    path("mine/", views.my_referrals, name="mine"),
    path("queue/", views.queue, name="queue"),
    path("tasks/", views.my_tasks, name="tasks"),
    path("tasks/<str:pk>/done/", views.task_done, name="task_done"),
    path("case/<str:pk>/", views.referral_detail, name="detail"),
    path("case/<str:pk>/tasks/", views.task_add, name="task_add"),
    path("case/<str:pk>/consent/", views.consent_new, name="consent_new"),
    path("participants/<str:pk>/", views.participant_detail, name="participant"),
    path("participants/<str:pk>/merge/<str:other_pk>/", views.participant_merge, name="merge"),
    path("consents/<str:pk>/", views.consent_detail, name="consent"),
    path("consents/<str:pk>/pdf/", views.consent_pdf, name="consent_pdf"),
    path("consents/<str:pk>/revoke/", views.consent_revoke, name="consent_revoke"),
    path("directory/", views.directory, name="directory"),
    path("directory/<str:pk>/capacity/", views.capacity_update, name="capacity"),
    path("coordination/", views.justice_queue, name="justice"),
    path("coordination/emails/", views.failed_notice_emails, name="failed_emails"),
    path("coordination/emails/<str:pk>/resend/", views.notice_email_resend, name="notice_resend"),
    path("coordination/<str:pk>/done/", views.justice_done, name="justice_done"),
    path("eligibility/", views.criteria, name="criteria"),
    path("eligibility/<str:pk>/", views.criterion_edit, name="criterion_edit"),
]
