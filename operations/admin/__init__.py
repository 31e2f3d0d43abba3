"""Staff operations in the admin: the catalogue's and enrollment's ModelAdmins, extended here
(subclassed and registered again) so that those modules stay their owners'. Every change of
places or of a registration goes through enrollment.services; refusals are shown as messages.
"""

from django.contrib import admin

from catalog.models import Session
from enrollment.models import Registration

from .registrations import OperationsRegistrationAdmin
from .sessions import OperationsSessionAdmin


def _register_again(model, admin_class):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, admin_class)


_register_again(Session, OperationsSessionAdmin)
_register_again(Registration, OperationsRegistrationAdmin)
