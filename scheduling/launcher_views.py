"""The app launcher: one endpoint for the header's search box (an htmx partial) and for the
results page it falls back to without JavaScript."""

from django import forms
from django.shortcuts import render

from .launcher import MAX_CHARS, MIN_CHARS, launcher_search


class LauncherForm(forms.Form):
    # CharField refuses NUL characters itself; longer searches than MAX_CHARS are an error.
    q = forms.CharField(label="Go to", max_length=MAX_CHARS, required=False)


def launcher(request):
    form = LauncherForm(request.GET)
    valid = form.is_valid()
    q = form.cleaned_data["q"] if valid else ""
    groups = launcher_search(user=request.user, q=q) if valid else []
    context = {
        "form": form,
        "q": q,
        "groups": groups,
        "min_chars": MIN_CHARS,
        "short": 0 < len(q) < MIN_CHARS,
        "nav_section": "launcher",  # no tab of the main navigation is this page
    }
    template = "scheduling/_launcher_results.html" if request.htmx else "scheduling/launcher.html"
    return render(request, template, context, status=200 if valid else 422)
