"""The Django admin of Cap Métiers' staff: one module per app's models, then the staff's
operations on sessions and registrations (`sessions`, `registrations`), which extend the
catalogue's and enrollment's ModelAdmins (subclassed and registered again). Every change of
places or of a registration goes through enrollment.services; refusals are shown as messages.
"""

from django.contrib import admin

from catalog.models import Session
from enrollment.models import Registration

from . import (  # noqa: F401
    accounts,
    catalog,
    documents,
    elearning,
    employers,
    enrollment,
    mailing,
    offers,
    surveys,
)
from .registrations import OperationsRegistrationAdmin
from .sessions import OperationsSessionAdmin


def _register_again(model, admin_class):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, admin_class)


_register_again(Session, OperationsSessionAdmin)
_register_again(Registration, OperationsRegistrationAdmin)
