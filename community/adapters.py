from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """Sends a member who arrived through an invitation link back to it after log-in."""

    def get_login_redirect_url(self, request):
        token = request.session.get("pending_invitation")
        if token:
            return reverse("community:invitation_open", kwargs={"token": token})
        return super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        return self.get_login_redirect_url(request)
