from django.urls import path

from referrals import breakglass_views, casework_views, coordination_views, participant_views, views

app_name = "referrals"
urlpatterns = [
    path("", views.officer_home, name="officer_home"),
    path("new/", views.referral_new, name="new"),
    path("<id:pk>/done/", views.referral_done, name="done"),
    path("mine/", views.my_referrals, name="mine"),
    path("queue/", views.queue, name="queue"),
    path("escalations/", casework_views.escalations, name="escalations"),
    path("case/<id:pk>/reassign/", casework_views.reassign, name="reassign"),
    path("tasks/", views.my_tasks, name="tasks"),
    path("tasks/<id:pk>/done/", views.task_done, name="task_done"),
    path("case/<id:pk>/", views.referral_detail, name="detail"),
    path("case/<id:pk>/tasks/", views.task_add, name="task_add"),
    path("case/<id:pk>/consent/", participant_views.consent_new, name="consent_new"),
    path("participants/<id:pk>/", participant_views.participant_detail, name="participant"),
    path("participants/<id:pk>/break-glass/", breakglass_views.break_glass, name="break_glass"),
    path("break-glass/", breakglass_views.break_glass_review, name="break_glass_review"),
    path("participants/<id:pk>/merge/<id:other_pk>/", participant_views.participant_merge, name="merge"),
    path("consents/<id:pk>/", participant_views.consent_detail, name="consent"),
    path("consents/<id:pk>/pdf/", participant_views.consent_pdf, name="consent_pdf"),
    path("consents/<id:pk>/revoke/", participant_views.consent_revoke, name="consent_revoke"),
    path("participants/<id:pk>/expiry-event/", participant_views.expiry_event_record, name="expiry_event"),
    path("proposals/<id:pk>/", participant_views.proposal_decide, name="proposal_decide"),
    path("participants/<id:pk>/disclosures.csv", participant_views.disclosures_csv, name="disclosures_csv"),
    path("participants/<id:pk>/disclosures.pdf", participant_views.disclosures_pdf, name="disclosures_pdf"),
    path("directory/", views.directory, name="directory"),
    path("directory/<id:pk>/capacity/", views.capacity_update, name="capacity"),
    path("coordination/", coordination_views.justice_queue, name="justice"),
    path("coordination/emails/", coordination_views.failed_emails, name="failed_emails"),
    path("coordination/emails/<id:pk>/resend/", coordination_views.mail_resend, name="mail_resend"),
    path("coordination/<id:pk>/done/", coordination_views.justice_done, name="justice_done"),
    path("eligibility/", coordination_views.criteria, name="criteria"),
    path("eligibility/<id:pk>/", coordination_views.criterion_edit, name="criterion_edit"),
]
