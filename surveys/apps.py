from django.apps import AppConfig


class SurveysConfig(AppConfig):
    """What the programme achieved (FAQ Q1, Q9; Qualiopi indicators 30–32): the participants'
    and employers' satisfaction questionnaires, and each session's mix of structures,
    territories and profiles."""

    name = "surveys"
    verbose_name = "Satisfaction et mixité"
