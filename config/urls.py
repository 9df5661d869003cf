from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core.forms import StyledPasswordChangeForm

admin.site.site_header = "三资清化收 系统管理"
admin.site.site_title = "三资清化收"
admin.site.index_title = "系统管理"

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(form_class=StyledPasswordChangeForm),
         name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    path("", include("villages.urls")),
    path("", include("contracts.urls")),
    path("", include("debts.urls")),
    path("", include("debts.letters.urls")),
    path("", include("reports.urls")),
    path("", include("ledgers.urls")),
    path("", include("core.urls")),
]
