"""Value lists shared by profiles and structures (DESIGN.md, FAQ Q2)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.TextChoices):
    """The twelve departments of Nouvelle-Aquitaine."""

    CHARENTE = "16", "16 — Charente"
    CHARENTE_MARITIME = "17", "17 — Charente-Maritime"
    CORREZE = "19", "19 — Corrèze"
    CREUSE = "23", "23 — Creuse"
    DORDOGNE = "24", "24 — Dordogne"
    GIRONDE = "33", "33 — Gironde"
    LANDES = "40", "40 — Landes"
    LOT_ET_GARONNE = "47", "47 — Lot-et-Garonne"
    PYRENEES_ATLANTIQUES = "64", "64 — Pyrénées-Atlantiques"
    DEUX_SEVRES = "79", "79 — Deux-Sèvres"
    VIENNE = "86", "86 — Vienne"
    HAUTE_VIENNE = "87", "87 — Haute-Vienne"


class EmploymentStatus(models.TextChoices):
    EMPLOYEE = "employee", _("Salarié·e d'une structure")
    INDEPENDENT = "independent", _("Indépendant·e")
    JOB_SEEKER = "job_seeker", _("Demandeur·se d'emploi")


class FieldOfActivity(models.TextChoices):
    EDUCATION = "education", _("Éducation")
    GUIDANCE = "guidance", _("Orientation")
    TRAINING = "training", _("Formation")
    INTEGRATION = "integration", _("Insertion")
    SUPPORT = "support", _("Accompagnement")
    EMPLOYMENT = "employment", _("Emploi")
    VAE = "vae", _("VAE")
