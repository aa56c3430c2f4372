"""Pages for the suggestion box, surveys, research highlights, the officer's outcome feed, case managers'
messages and participants' letters. Thin: access helper, service, render.

Longer than 500 lines (just) because each view is a few lines of the same shape (access helper, service or
selector, render) for the app's one feedback loop; splitting it would scatter one URLconf's pages.
"""

from __future__ import annotations

import uuid
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from deflection import access as program_access
from deflection.audit import AuditContext
from deflection.errors import ServiceError, refusal_response
from deflection.models import Role
from feedback import access, selectors, services
from feedback.forms import (
    HighlightForm,
    LetterForm,
    LetterReviewForm,
    MessageForm,
    SuggestionForm,
    SurveyAnswerForm,
    SurveyForm,
    TriageForm,
)
from feedback.models import FileType, LetterStatus, ParticipantLetter, SuggestionStatus, SurveyParticipation
from referrals.access import get_referral_for_case_manager
from referrals.disclosure import REDISCLOSURE_NOTICE


def in_program_time_zone(view):
    """Show and read times in the time zone of the user's (first) program, not the server's UTC."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        program = program_access.programs_for(request.user).order_by("pk").only("time_zone").first()
        with timezone.override(program.tz if program else None):
            return view(request, *args, **kwargs)

    return wrapper


# --- Suggestions ----------------------------------------------------------------


@login_required
@in_program_time_zone
def suggestions(request):
    user = request.user
    context = {
        "may_write": access.may_write_suggestions(user),
        "may_triage": access.may_coordinate(user),
        "mine": selectors.my_suggestions(user),
        "answered": selectors.answered_suggestions(user)[:100],
    }
    return render(request, "feedback/suggestions.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_new(request):
    programs = list(access.suggestion_programs_for(request.user).order_by("name"))
    if not programs:
        raise program_access.deny(request, "feedback.suggestion_form", "")
    form = SuggestionForm(request.POST or None, programs=programs)
    if request.method == "POST" and form.is_valid():
        anonymous = form.cleaned_data["anonymous"]
        try:
            services.suggestion_submit(
                program=form.cleaned_data["program"],
                author=request.user,
                text=form.cleaned_data["text"],
                anonymous=anonymous,
                audit=None if anonymous else AuditContext.from_request(request),
            )
        except ServiceError as error:
            return refusal_response(request, error, "feedback/suggestion_form.html", {"form": form}, form=form, field="text")
        else:
            messages.success(
                request,
                "Thank you. Your suggestion was sent anonymously. The coordinators read it tomorrow, "
                "with the day's other anonymous suggestions in random order."
                if anonymous
                else "Thank you. Your suggestion was sent; you will see the answer here.",
            )
            return redirect(reverse("feedback:suggestions") + "?sent=1")
    return render(request, "feedback/suggestion_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@in_program_time_zone
def suggestion_triage(request):
    if not access.may_coordinate(request.user):
        raise program_access.deny(request, "feedback.suggestion_triage", "")
    status = request.GET.get("status", SuggestionStatus.NEW)
    if status not in SuggestionStatus.values and status != "all":
        status = SuggestionStatus.NEW
    counts = selectors.triage_counts(request.user)
    suggestions = list(selectors.triage_queue(request.user, None if status == "all" else status)[:200])
    services.suggestions_triage_read(
        reader=request.user, status=status, shown=len(suggestions), audit=AuditContext.from_request(request)
    )
    context = {
        "suggestions": suggestions,
        "status": status,
        "statuses": [(value, label, counts[value]) for value, label in SuggestionStatus.choices],
    }
    return render(request, "feedback/triage.html", context)


@login_required
@in_program_time_zone
@require_http_methods(["GET", "POST"])
def suggestion_detail(request, pk):
    if request.method == "POST":
        suggestion = access.get_suggestion_for_coordinator(request, pk)
    else:
        suggestion = access.get_suggestion_for_user(request, pk)
    may_triage = program_access.coordinates(request.user, suggestion.program_id)
    form = None
    if may_triage:
        form = TriageForm(request.POST or None, initial={"status": suggestion.status, "response": suggestion.response})
        if request.method == "POST" and form.is_valid():
            try:
                services.suggestion_triage(
                    suggestion=suggestion,
                    coordinator=request.user,
                    status=form.cleaned_data["status"],
                    response=form.cleaned_data["response"],
                    audit=AuditContext.from_request(request),
                )
            except ServiceError as error:
                context = {"suggestion": suggestion, "form": form, "is_mine": suggestion.author_id == request.user.pk}
                return refusal_response(request, error, "feedback/suggestion_detail.html", context, form=form, field="response")
            else:
                messages.success(request, "Saved. Everyone in the program sees the response.")
                return redirect(f"{reverse('feedback:triage')}?status={SuggestionStatus.NEW}")
    return render(
        request,
        "feedback/suggestion_detail.html",
        {"suggestion": suggestion, "form": form, "is_mine": suggestion.author_id == request.user.pk},
        status=400 if form is not None and form.errors else 200,
    )


# --- Surveys --------------------------------------------------------------------


@login_required
@in_program_time_zone
def surveys(request):
    user = request.user
    context = {
        "open_surveys": selectors.surveys_for_respondent(user),
        "results": selectors.surveys_for_results(user)[:50] if access.may_read_results(user) else [],
        "may_create": access.may_coordinate(user),
        "now": timezone.now(),
    }
    return render(request, "feedback/surveys.html", context)


@login_required
@in_program_time_zone
@require_http_methods(["GET", "POST"])
def survey_new(request):
    programs = list(program_access.programs_coordinated_by(request.user).order_by("name"))
    if not programs:
        raise program_access.deny(request, "feedback.survey_form", "")
    with programs[0].time_zone_override():
        initial = {
            "opens_at": timezone.localtime().replace(second=0, microsecond=0),
            "closes_at": (timezone.localtime() + timezone.timedelta(days=14)).replace(second=0, microsecond=0),
        }
        form = SurveyForm(request.POST or None, programs=programs, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                survey = services.survey_create(
                    program=data["program"],
                    created_by=request.user,
                    title=data["title"],
                    intro=data["intro"],
                    anonymous=data["anonymous"],
                    opens_at=data["opens_at"],
                    closes_at=data["closes_at"],
                    roles=data["roles"],
                    agencies=data["agencies"],
                    scale_questions=data["scale_question_list"],
                    open_questions=data["open_question_list"],
                    audit=AuditContext.from_request(request),
                )
            except ServiceError as error:
                return refusal_response(request, error, "feedback/survey_form.html", {"form": form}, form=form)
            else:
                messages.success(request, f"“{survey.title}” is set up. Everyone asked gets one reminder when it opens.")
                return redirect("feedback:surveys")
        return render(request, "feedback/survey_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@in_program_time_zone
@require_http_methods(["GET", "POST"])
def survey_answer(request, pk):
    survey = access.get_survey_for_respondent(request, pk)
    context = {"survey": survey}
    if SurveyParticipation.objects.filter(survey=survey, user=request.user).exists():
        error = ServiceError(services.ALREADY_RESPONDED_MESSAGE, status=409, code=services.ALREADY_RESPONDED)
        if request.method == "POST":
            return refusal_response(request, error, "feedback/survey_answer.html", context)
        context["answered"] = True
        return render(request, "feedback/survey_answer.html", context)
    if not survey.is_open():
        error = ServiceError(
            "This survey is not open yet." if survey.is_scheduled() else "This survey has closed.",
            status=409,
            code=services.SURVEY_NOT_OPEN,
        )
        if request.method == "POST":
            return refusal_response(request, error, "feedback/survey_answer.html", context)
        context["refusal"] = error.message  # looking at it is fine; only answering is refused
        return render(request, "feedback/survey_answer.html", context)
    form = SurveyAnswerForm(request.POST or None, survey=survey)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_respond(
                survey=survey, user=request.user, answers=form.answers(), audit=AuditContext.from_request(request)
            )
        except ServiceError as error:
            return refusal_response(request, error, "feedback/survey_answer.html", context)
        except PermissionDenied as exc:
            raise program_access.deny(request, "feedback.survey", survey.pk) from exc
        messages.success(
            request,
            "Thank you. Your answers were recorded; they are counted with everyone else's, "
            "in random order, when the survey closes."
            if survey.anonymous
            else "Thank you. Your answers were recorded.",
        )
        return redirect(reverse("feedback:surveys") + f"?answered={survey.pk}")
    return render(request, "feedback/survey_answer.html", context, status=400 if form.errors else 200)


@login_required
@in_program_time_zone
def survey_results(request, pk):
    survey = access.get_survey_for_results(request, pk)
    results = selectors.survey_results(survey)
    services.survey_results_read(survey=survey, reader=request.user, audit=AuditContext.from_request(request))
    return render(request, "feedback/survey_results.html", {"survey": survey, "results": results})


# --- Research and data highlights -------------------------------------------------


@login_required
@in_program_time_zone
def highlights(request):
    context = {"highlights": selectors.highlights_for(request.user)[:100], "may_post": access.may_coordinate(request.user)}
    return render(request, "feedback/highlights.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def highlight_new(request):
    programs = list(program_access.programs_coordinated_by(request.user).order_by("name"))
    if not programs:
        raise program_access.deny(request, "feedback.highlight_form", "")
    form = HighlightForm(request.POST or None, request.FILES or None, programs=programs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.highlight_post(
                program=data["program"],
                author=request.user,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                url=data["url"],
                upload=data["upload"],
                audit=AuditContext.from_request(request),
            )
        except ServiceError as error:
            return refusal_response(request, error, "feedback/highlight_form.html", {"form": form}, form=form)
        else:
            messages.success(request, "Posted. Everyone in the program can see it.")
            return redirect("feedback:highlights")
    return render(request, "feedback/highlight_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def highlight_file(request, pk):
    """Serve an uploaded file to members of its program only; there is no public media URL."""
    highlight = access.get_highlight_for_user(request, pk)
    if not highlight.file:
        raise program_access.deny(request, "feedback.highlight_file", pk)
    file_type = FileType(highlight.file_type)
    response = FileResponse(
        highlight.file.open("rb"),
        content_type=file_type.content_type,
        # Images show inline in the list; a PDF downloads rather than running in our origin.
        as_attachment=not file_type.is_image,
        filename=f"highlight-{highlight.pk}.{file_type.value}",
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- The officer's outcome feed ---------------------------------------------------------------------


@login_required
@never_cache  # consented updates: revocation reaches the next view, including the back button
@in_program_time_zone
def feed(request):
    """Updates on the officer's referrals as far as consent allows; each consented one shown is a logged disclosure."""
    items = services.officer_feed_show(officer=request.user, audit=AuditContext.from_request(request))
    context = {
        "items": items,
        "summary": selectors.officer_outcome_summary(request.user),
        "notice": REDISCLOSURE_NOTICE,
        "any_disclosure": any(item.is_disclosure for item in items),
    }
    return render(request, "feedback/feed.html", context)


@login_required
@never_cache
@in_program_time_zone
def message_detail(request, pk):
    message, consent = access.get_message_for_officer(request, pk)
    item = services.message_read(message=message, consent=consent, officer=request.user, audit=AuditContext.from_request(request))
    return render(request, "feedback/message_detail.html", {"item": item, "notice": REDISCLOSURE_NOTICE})


@login_required
@in_program_time_zone
def letter_detail(request, pk):
    letter, consent = access.get_letter_for_officer(request, pk)
    item = services.letter_read(letter=letter, consent=consent, officer=request.user, audit=AuditContext.from_request(request))
    return render(request, "feedback/letter_detail.html", {"item": item, "letter": letter, "notice": REDISCLOSURE_NOTICE})


def _scan_response(letter: ParticipantLetter, data: bytes, name: str) -> HttpResponse:
    file_type = FileType(letter.scan_type)
    response = HttpResponse(data, content_type=file_type.content_type)
    # Images show inline; a PDF downloads rather than running in our origin.
    disposition = "inline" if file_type.is_image else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}.{file_type.value}"'
    # A participant's letter: never kept in a shared cache or on a shared squad-car laptop's disk.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def letter_scan(request, pk):
    """The scan of an approved letter, for its officer; a redacted letter's scan is the restricted original."""
    letter, consent = access.get_letter_for_officer(request, pk)
    if not letter.officer_sees_scan:
        raise program_access.deny(request, "feedback.participantletter", pk)
    services.letter_read(
        letter=letter, consent=consent, officer=request.user, audit=AuditContext.from_request(request), what="scan"
    )
    return _scan_response(letter, services.letter_scan_bytes(letter), f"letter-{letter.pk}")


# --- Messages from case managers ------------------------------------------------------------------


@login_required
@in_program_time_zone
@require_http_methods(["GET", "POST"])
def message_new(request, referral_id):
    referral = get_referral_for_case_manager(request, referral_id)
    refusal = selectors.free_text_refusal_for(referral)
    form = MessageForm(request.POST or None, initial={"idempotency_key": uuid.uuid4()})
    context = {"referral": referral, "form": form, "refusal": refusal, "sent": selectors.messages_about(referral)}
    if request.method == "POST":
        if refusal:
            error = ServiceError(refusal, status=403, code=services.CONSENT_REQUIRED)
            return refusal_response(request, error, "feedback/message_form.html", context)
        if form.is_valid():
            try:
                services.message_send(
                    referral=referral,
                    sender=request.user,
                    text=form.cleaned_data["text"],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    audit=AuditContext.from_request(request),
                )
            except ServiceError as error:
                return refusal_response(request, error, "feedback/message_form.html", context, form=form, field="text")
            else:
                messages.success(request, "Sent. The officer gets an email with a link, and reads it after signing in.")
                return redirect("feedback:message_new", referral_id=referral.pk)
    return render(request, "feedback/message_form.html", context, status=400 if form.errors else 200)


# --- Participants' letters ------------------------------------------------------------------------


@login_required
@in_program_time_zone
@require_http_methods(["GET", "POST"])
def letter_new(request, referral_id):
    referral = get_referral_for_case_manager(request, referral_id)
    form = LetterForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.letter_record(
                referral=referral,
                recorded_by=request.user,
                permission=data["permission"],
                text=data["text"],
                upload=data["upload"],
                audit=AuditContext.from_request(request),
            )
        except ServiceError as error:
            context = {"referral": referral, "form": form, "officer_refusal": selectors.free_text_refusal_for(referral)}
            return refusal_response(request, error, "feedback/letter_form.html", context, form=form)
        else:
            messages.success(request, "Recorded. A coordinator reviews the letter before anyone else sees it.")
            return redirect("feedback:letters")
    context = {"referral": referral, "form": form, "officer_refusal": selectors.free_text_refusal_for(referral)}
    return render(request, "feedback/letter_form.html", context, status=400 if form.errors else 200)


@login_required
@in_program_time_zone
def letters(request):
    """Coordinators: the review queue. Case managers: their agency's letters and how each was reviewed."""
    user = request.user
    if not access.may_see_letters(user):
        raise program_access.deny(request, "feedback.letters", "")
    context = {"may_review": access.may_review_letters(user)}
    if context["may_review"]:
        status = request.GET.get("status", LetterStatus.PENDING)
        if status not in LetterStatus.values:
            status = LetterStatus.PENDING
        counts = selectors.letter_counts(user)
        context["status"] = status
        context["statuses"] = [(value, label, counts[value]) for value, label in LetterStatus.choices]
        context["to_review"] = selectors.letters_to_review(user, status)[:200]
    if user.has_role(Role.CASE_MANAGER):
        context["recorded"] = selectors.letters_recorded_by_provider(user)[:200]
    return render(request, "feedback/letters.html", context)


@login_required
@in_program_time_zone
@require_http_methods(["GET", "POST"])
def letter_review(request, pk):
    """The original letter for the treatment team and coordinators; coordinators approve, redact or reject it."""
    if request.method == "POST":
        letter = access.get_letter_for_reviewer(request, pk)
    else:
        letter = access.get_letter_for_staff(request, pk)
    may_review = access.letter_programs_for(request.user).filter(pk=letter.program_id).exists()
    form = None
    if may_review:
        initial = {
            "decision": {"approved": "approve", "redacted": "redact", "rejected": "reject"}.get(letter.status),
            "text": letter.published_text or letter.original_text,
            "include_in_newsletter": letter.include_in_newsletter,
            "note": letter.review_note,
        }
        form = LetterReviewForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                services.letter_review(
                    letter=letter,
                    coordinator=request.user,
                    decision=data["decision"],
                    text=data["text"],
                    include_in_newsletter=data["include_in_newsletter"],
                    note=data["note"],
                    audit=AuditContext.from_request(request),
                )
            except ServiceError as error:
                services.letter_original_read(letter=letter, user=request.user, audit=AuditContext.from_request(request))
                context = {"letter": letter, "form": form}
                return refusal_response(request, error, "feedback/letter_review.html", context, form=form)
            else:
                messages.success(request, f"Saved: {letter.get_status_display().lower()}.")
                return redirect("feedback:letters")
    services.letter_original_read(letter=letter, user=request.user, audit=AuditContext.from_request(request))
    return render(
        request,
        "feedback/letter_review.html",
        {"letter": letter, "form": form},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def letter_original_scan(request, pk):
    letter = access.get_letter_for_staff(request, pk)
    if not letter.has_scan:
        raise program_access.deny(request, "feedback.participantletter", pk)
    services.letter_original_read(letter=letter, user=request.user, audit=AuditContext.from_request(request), what="scan")
    return _scan_response(letter, services.letter_scan_bytes(letter), f"letter-{letter.pk}-original")
