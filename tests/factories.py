"""factory_boy factories for the core domain. Roles are granted through the service so tests
exercise the same permission path as the application."""

import datetime
from decimal import Decimal

import factory

from fundadmin import services
from fundadmin.models import Community, FundYear, User, WorkingCommittee
from fundadmin.roles import ROLE_SCOPE, Role, ScopeLevel


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CommitteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingCommittee

    name = factory.Sequence(lambda n: f"第{n}街道社区党工委")
    code = factory.Sequence(lambda n: f"committee{n}")
    city = "示例市"


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    committee = factory.SubFactory(CommitteeFactory)
    name = factory.Sequence(lambda n: f"第{n}社区")
    code = factory.Sequence(lambda n: f"community{n}")


class FundYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundYear

    community = factory.SubFactory(CommunityFactory)
    year = 2026
    allocation = Decimal("100000.00")


def user_with_role(role: Role, scope, *, valid_from=None, valid_until=None, **user_kwargs) -> User:
    """A fresh user holding ``role`` over ``scope`` (a Community or WorkingCommittee; for a
    committee-level role a Community may be given and its committee is used)."""
    user = UserFactory(**user_kwargs)
    grant(user, role, scope, valid_from=valid_from, valid_until=valid_until)
    return User.objects.get(pk=user.pk)  # guardian caches permissions on the instance


def grant(user, role: Role, scope, *, valid_from=None, valid_until=None):
    level = ROLE_SCOPE[role]
    kwargs = {}
    if level == ScopeLevel.COMMUNITY:
        kwargs["community"] = scope
    elif level == ScopeLevel.COMMITTEE:
        kwargs["committee"] = scope if isinstance(scope, WorkingCommittee) else scope.committee
    return services.role_grant(
        user=user,
        role=role,
        by=None,
        valid_from=valid_from or datetime.date(2020, 1, 1),
        valid_until=valid_until,
        **kwargs,
    )
