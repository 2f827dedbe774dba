"""View History: the changes made to a session, newest first (right-click menu, session form)."""

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from clients.access import get_scoped_or_404
from sessions_app.history import session_history as history_of
from sessions_app.models import Session


@require_GET
@permission_required("sessions_app.view_session", raise_exception=True)
def session_history(request, pk):
    """htmx: the list alone, for the page's modal (#modal-body); otherwise a page of its own."""
    session = get_scoped_or_404(request.user, Session.objects.select_related("site"), pk=pk)
    template = (
        "scheduling/_session_history.html" if request.htmx else "scheduling/session_history.html"
    )
    return render(request, template, {"session": session, "entries": history_of(session=session)})
