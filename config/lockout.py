"""The page a locked-out login gets (django-axes' AXES_LOCKOUT_CALLABLE): the login page again,
status 429, saying plainly why the password is not even checked and what to do."""

import math

from axes.helpers import get_cool_off
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render

LOCKED_OUT = (
    "Too many failed sign-in attempts. Try again in {wait} or ask an administrator to unlock "
    "your account."
)


def wait_text(request) -> str:
    cool_off = get_cool_off(request)
    if not cool_off:
        return "a while"
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


def locked_out(request, original_response=None, credentials=None):
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username[:150]})
    context = {
        "form": form,
        "locked_out": LOCKED_OUT.format(wait=wait_text(request)),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(request, "registration/login.html", context, status=429)
