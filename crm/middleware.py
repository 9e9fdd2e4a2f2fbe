from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Every page needs a login. The API is left to DRF, which authenticates tokens itself and answers
    401/403 as JSON instead of redirecting; static files and the health check are open."""

    open_prefixes = ("/api/", "/static/", "/healthz")

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith(self.open_prefixes):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
