"""Supervision's part of pages that belong to other rooms: the project page shows the supervision
opinions about the project (Art. 14) without projects knowing about supervision."""

from django import template

from ..selectors import opinions_for_project

register = template.Library()


@register.inclusion_tag("supervision/partials/project_opinions.html")
def project_opinions(project, can_supervise=False):
    return {"project": project, "opinions": opinions_for_project(project), "can_supervise": can_supervise}
