"""Training pages."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def my_training(request):
    return render(request, "training/my_training.html", {"records": []})
