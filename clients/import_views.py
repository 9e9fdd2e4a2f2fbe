"""Import pages: upload, preview with per-row errors, confirm, progress (htmx polling)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from crm.exceptions import ApplicationError
from crm.forms import apply_application_error
from crm.htmx import wants_fragment
from crm.roles import Role, is_admin
from crm.views import role_required

from . import importing
from .forms import ImportUploadForm
from .models import ImportJob

SM, ADM = Role.SALES_MANAGER, Role.ADMINISTRATOR


@require_http_methods(["GET", "POST"])
@role_required(SM, ADM)
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = importing.import_job_create(filename=upload.name, content=upload.read(), by=request.user)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            return redirect("clients:import_detail", job_id=job.pk)
    jobs = ImportJob.objects.filter(created_by=request.user).only(
        "id", "filename", "status", "created_at", "created_count", "total"
    )[:10]
    return render(request, "clients/import_upload.html", {"form": form, "jobs": jobs})


def _job_for(request, job_id, *, with_rows: bool = True) -> ImportJob:
    jobs = ImportJob.objects.all() if with_rows else ImportJob.objects.defer("rows", "errors")
    job = get_object_or_404(jobs, pk=job_id)
    if job.created_by_id != request.user.pk and not is_admin(request.user):
        raise PermissionDenied(gettext("This import belongs to someone else."))
    return job


@require_http_methods(["GET", "POST"])
@role_required(SM, ADM)
def import_detail(request, job_id):
    job = _job_for(request, job_id)
    error = ""
    if request.method == "POST":
        try:
            job = importing.import_job_confirm(
                job=job, skip_bad_rows=bool(request.POST.get("skip_bad_rows")), by=request.user
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect("clients:import_detail", job_id=job.pk)
    return render(
        request,
        "clients/import_detail.html",
        {"job": job, "error": error, "preview": job.rows[:50], "errors": job.errors[:500]},
    )


@require_GET
@role_required(SM, ADM)
def import_progress(request, job_id):
    job = _job_for(request, job_id, with_rows=False)  # polled every second: never the 20,000 parsed rows
    response = render(request, "clients/_import_progress.html", {"job": job})
    if job.is_finished:
        response.status_code = 286 if wants_fragment(request) else 200  # htmx: 286 stops polling
    patch_vary_headers(response, ("HX-Request",))
    return response
