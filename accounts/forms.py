from django import forms


class SignupProfileForm(forms.Form):
    """Professional fields asked at signup (completed by the foundation work)."""

    def signup(self, request, user):
        pass
