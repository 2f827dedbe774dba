"""Placeholders for the menu items other branches build (deleted at merge)."""

from django.http import HttpResponse


def coming(request, pk):
    return HttpResponse("Coming.", status=501)
