from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = "监督与考核"

    def ready(self):
        # The trail's sentences for the indicators' two writes (the trail names every action in
        # words, audit.selectors.ACTION_LABELS; the app that writes an action says how it reads).
        from audit.selectors import ACTION_LABELS

        ACTION_LABELS.setdefault("indicator.compute", "计算廉政预警")
        ACTION_LABELS.setdefault("indicator.review", "判断廉政预警")
