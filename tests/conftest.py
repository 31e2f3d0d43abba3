import pytest
from django.utils import timezone

from parcourspro.celery import app as celery_app
from tests.factories import MemberEmployeeFactory, StructureFactory, UserFactory


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks run in-process in tests, unless a test starts a real worker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def documents_in_tmp(settings, tmp_path_factory, monkeypatch):
    """Generated documents go to a temporary directory, never to the project's media/. They
    are generated only where a test asks for them (the `documents_enabled` fixture, on in
    tests/documents/): rendering PDFs would multiply the time of the enrollment tests (the
    model-based test: 1 min → 5 min) for nothing they check."""
    from django.core.files.storage import storages as handler

    from documents.models import STORAGE, ConventionAcceptance, Document

    settings.DOCUMENTS_ENABLED = False
    storages = dict(settings.STORAGES)
    location = tmp_path_factory.mktemp("documents")
    storages[STORAGE] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(location), "base_url": None},
    }
    settings.STORAGES = storages
    # A FileField's storage is resolved once, when the models load: its files go where
    # `storages["documents"]` now points (emails attach them from it by alias and name).
    for field in (
        Document._meta.get_field("file"),
        ConventionAcceptance._meta.get_field("signed_file"),
    ):
        monkeypatch.setattr(field, "storage", handler[STORAGE])


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories hash passwords; a fast hasher keeps the suite quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """allauth counts attempts in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def member_structure():
    structure = StructureFactory()
    approver = UserFactory(structure=structure, email="employeur@example.test")
    structure.approvers.add(approver)
    year = timezone.localdate().year
    for y in (year, year + 1):
        structure.memberships.create(year=y, formula="base")
    structure.approver = approver
    return structure


@pytest.fixture
def employee(member_structure):
    return MemberEmployeeFactory(structure=member_structure)


@pytest.fixture
def colleagues(member_structure):
    return [MemberEmployeeFactory(structure=member_structure) for _ in range(3)]


@pytest.fixture
def documents_enabled(settings):
    """The participation documents are generated, as in production."""
    settings.DOCUMENTS_ENABLED = True
