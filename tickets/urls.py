from django.urls import path

from tickets import views

app_name = "tickets"

urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("new/", views.ticket_new, name="new"),
    path("console/", views.ticket_console, name="console"),
    path("jobs/", views.technician_jobs, name="jobs"),
    path("<str:number>/", views.ticket_detail, name="detail"),
    path("<str:number>/receipt/", views.ticket_receipt, name="receipt"),
    path("<str:number>/photos/<int:photo_id>/", views.ticket_photo, name="photo"),
    path("<str:number>/reply/", views.ticket_reply, name="reply"),
    path("<str:number>/cancel/", views.ticket_cancel, name="cancel"),
    path("<str:number>/feedback/", views.ticket_feedback, name="feedback"),
    path("<str:number>/quotes/<int:quote_id>/decide/", views.quote_decide, name="quote_decide"),
    path("<str:number>/acknowledge/", views.ticket_acknowledge, name="acknowledge"),
    path("<str:number>/assign/", views.ticket_assign, name="assign"),
    path("<str:number>/accept/", views.assignment_accept, name="accept"),
    path("<str:number>/decline/", views.assignment_decline, name="decline"),
    path("<str:number>/on-the-way/", views.assignment_on_the_way, name="on_the_way"),
    path("<str:number>/check-in/", views.ticket_check_in, name="check_in"),
    path("<str:number>/record-visit/", views.ticket_visit_record, name="record_visit"),
    path("<str:number>/visits/<int:visit_id>/approve/", views.visit_approve, name="visit_approve"),
    path("<str:number>/visits/<int:visit_id>/reject/", views.visit_reject, name="visit_reject"),
    path("<str:number>/reopen/", views.ticket_reopen, name="reopen"),
    path("<str:number>/reports/<int:report_id>/signature/", views.ticket_signature, name="signature"),
    path("<str:number>/quote/", views.quote_send, name="quote_send"),
    path("<str:number>/resolve/", views.ticket_resolve, name="resolve"),
    path("<str:number>/lend/", views.ticket_lend, name="lend"),
    path("<str:number>/loan/return/", views.ticket_loan_return, name="loan_return"),
    path("<str:number>/pause/", views.ticket_pause, name="pause"),
    path("<str:number>/resume/", views.ticket_resume, name="resume"),
    path("<str:number>/close/", views.ticket_close, name="close"),
]
