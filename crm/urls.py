from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from crm import account_views, registry
from crm.admin_site import restrict_admin_to_administrators
from crm.api import views as api_views
from crm.views import LoginView, dashboard, global_search, healthz

restrict_admin_to_administrators(admin.site)

api_v1 = [
    path("auth/token/", api_views.TokenView.as_view(), name="api-token"),
    path("auth/tokens/", api_views.TokenList.as_view(), name="api-tokens"),
    path("auth/tokens/<int:pk>/", api_views.TokenDetail.as_view(), name="api-token-detail"),
    path("auth/totp/", api_views.TotpView.as_view(), name="api-totp"),
    path("security/policy/", api_views.SecurityPolicyView.as_view(), name="api-security-policy"),
    path("me/", api_views.MeView.as_view(), name="api-me"),
    path("me/language/", api_views.MyLanguageView.as_view(), name="api-my-language"),
    path("users/", api_views.UserList.as_view(), name="api-users"),
    path("search/", api_views.SearchView.as_view(), name="api-search"),
]
for part in registry.parts():
    if part.api_urls:
        api_v1.append(path("", include(part.api_urls)))

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("healthz", healthz, name="healthz"),
    path("search/", global_search, name="search"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/tokens/", account_views.tokens, name="account-tokens"),
    path("accounts/two-factor/", account_views.two_factor, name="account-two-factor"),
    path("accounts/security/", account_views.security, name="account-security"),
    path("accounts/language/", account_views.language, name="account-language"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The docs are a page: an anonymous visitor is sent to the login page like everywhere else. Swagger UI sets
    # inline styles from its (self-hosted) script, so this one page allows inline styles; scripts stay 'self'.
    path(
        "api/docs/",
        csp_update({"style-src": [SELF, UNSAFE_INLINE]})(
            login_required(SpectacularSwaggerSplitView.as_view(url_name="schema"))
        ),
        name="api-docs",
    ),
]
for part in registry.parts():
    if part.urls:
        urlpatterns.append(path(f"{part.url_prefix}/", include(part.urls)))

handler403 = "crm.views.permission_denied"
handler500 = "crm.views.server_error"
