"""{% capacity_for user codename obj as capacity %}: the capacity in which a person would act on
``obj`` (fundadmin.permissions.capacity) — so a page can say "您将代李伟（党工委书记）办理" before
the acting leader confirms a step."""

from django import template

from fundadmin.permissions import capacity

register = template.Library()


@register.simple_tag
def capacity_for(user, codename: str, obj):
    if not getattr(user, "is_authenticated", False):
        return None
    community = getattr(obj, "community", obj)
    return capacity(user, codename, community)
