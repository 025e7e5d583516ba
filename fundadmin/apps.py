from django.apps import AppConfig


class FundadminConfig(AppConfig):
    name = "fundadmin"
    verbose_name = "组织与经费年度"
