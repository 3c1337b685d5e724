from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "milepost.reviews"
    label = "reviews"
    verbose_name = "Reviews"
