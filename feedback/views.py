"""Suggestion box and outcome feed pages."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def suggestions(request):
    return render(request, "feedback/suggestions.html", {"suggestions": []})
