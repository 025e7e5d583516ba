"""Links from the book to the workflow's pages, whose URL names projects/ owns. Until a page
exists the link is simply left out (no guessed paths)."""

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


def _reverse(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@register.filter
def project_url(project) -> str:
    return _reverse("projects:detail", project.pk) if project else ""


@register.filter
def document_url(document) -> str:
    return _reverse("projects:document", document.project_id, document.pk) if document else ""
