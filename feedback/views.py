"""Pages for the suggestion box, surveys and research highlights. Thin: access helper, service, render."""

from __future__ import annotations

import zoneinfo
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from deflection import access as program_access
from feedback import access, selectors, services
from feedback.forms import HighlightForm, SuggestionForm, SurveyAnswerForm, SurveyForm, TriageForm
from feedback.models import FileType, SuggestionStatus, SurveyParticipation


def in_program_time_zone(view):
    """Show and read times in the time zone of the user's (first) program, not the server's UTC."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        program = program_access.programs_for(request.user).order_by("pk").only("time_zone").first()
        with timezone.override(zoneinfo.ZoneInfo(program.time_zone) if program else None):
            return view(request, *args, **kwargs)

    return wrapper


def _refused(request, template: str, context: dict, error: services.FeedbackError):
    context["refusal"] = error.message
    return render(request, template, context, status=error.status)


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
                request=None if anonymous else request,
            )
        except services.FeedbackError as error:
            form.add_error("text", error.message)
        else:
            messages.success(
                request,
                "Thank you. Your suggestion was sent anonymously."
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
    context = {
        "suggestions": selectors.triage_queue(request.user, None if status == "all" else status)[:200],
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
    may_triage = program_access.programs_coordinated_by(request.user).filter(pk=suggestion.program_id).exists()
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
                    request=request,
                )
            except services.FeedbackError as error:
                form.add_error("response", error.message)
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
    with timezone.override(zoneinfo.ZoneInfo(programs[0].time_zone)):
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
                    request=request,
                )
            except services.FeedbackError as error:
                form.add_error(None, error.message)
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
        error = services.AlreadyResponded(services.ALREADY_RESPONDED_MESSAGE)
        if request.method == "POST":
            return _refused(request, "feedback/survey_answer.html", context, error)
        context["answered"] = True
        return render(request, "feedback/survey_answer.html", context)
    if not survey.is_open():
        error = services.SurveyNotOpen("This survey is not open yet." if survey.is_scheduled() else "This survey has closed.")
        if request.method == "POST":
            return _refused(request, "feedback/survey_answer.html", context, error)
        context["refusal"] = error.message  # looking at it is fine; only answering is refused
        return render(request, "feedback/survey_answer.html", context)
    form = SurveyAnswerForm(request.POST or None, survey=survey)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_respond(survey=survey, user=request.user, answers=form.answers(), request=request)
        except services.FeedbackError as error:
            return _refused(request, "feedback/survey_answer.html", context, error)
        except PermissionDenied as exc:
            raise program_access.deny(request, "feedback.survey", survey.pk) from exc
        messages.success(request, "Thank you. Your answers were recorded.")
        return redirect(reverse("feedback:surveys") + f"?answered={survey.pk}")
    return render(request, "feedback/survey_answer.html", context, status=400 if form.errors else 200)


@login_required
@in_program_time_zone
def survey_results(request, pk):
    survey = access.get_survey_for_results(request, pk)
    results = selectors.survey_results(survey)
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
                request=request,
            )
        except services.FeedbackError as error:
            form.add_error(None, error.message)
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
