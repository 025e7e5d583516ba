from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_save

from .text import refuse_invisible_on_save, reveal_invisible


def create_cache_tables(sender, using, verbosity=1, **kwargs):
    """`migrate` also creates the table of a DatabaseCache (production's shared cache when no
    Redis is configured), so a deployment needs no extra step; a no-op for any other cache."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=max(verbosity - 1, 0))


class FundadminConfig(AppConfig):
    name = "fundadmin"
    verbose_name = "组织与经费年度"

    def ready(self):
        from audit.services import describe_actor_roles_with, reveal_text_with

        from .permissions import roles_summary
        from .sentences import register_sentences

        describe_actor_roles_with(roles_summary)
        reveal_text_with(reveal_invisible)
        register_sentences()
        post_migrate.connect(create_cache_tables, sender=self, dispatch_uid="fundadmin.create_cache_tables")
        # Text that cannot lie (fundadmin/text.py): a guard on every save, not a workflow step.
        pre_save.connect(refuse_invisible_on_save, dispatch_uid="fundadmin.refuse_invisible_on_save")
