"""cached_reverse and the {% link %} tag give exactly what reverse and {% url %} give."""

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse, set_script_prefix

from milepost.core.urls import cached_reverse


@pytest.fixture
def script_prefix():
    yield set_script_prefix
    set_script_prefix("/")


def test_same_answer_as_reverse():
    assert cached_reverse("web:milestone_detail", 7) == reverse("web:milestone_detail", args=[7])
    assert cached_reverse("web:projects") == reverse("web:projects") == "/projects/"
    assert cached_reverse("web:milestone_detail", 8) != cached_reverse("web:milestone_detail", 7)


def test_the_script_prefix_is_part_of_the_key(script_prefix):
    assert cached_reverse("web:projects") == "/projects/"
    script_prefix("/milepost/")
    assert cached_reverse("web:projects") == "/milepost/projects/"
    script_prefix("/")
    assert cached_reverse("web:projects") == "/projects/"


def test_unknown_names_and_bad_arguments_still_fail():
    with pytest.raises(NoReverseMatch):
        cached_reverse("web:no_such_view")
    with pytest.raises(NoReverseMatch):
        cached_reverse("web:milestone_detail", "not-a-number")


def test_link_tag_renders_like_url_tag():
    django_engine = engines["django"]
    context = {"pk": 42}
    link = django_engine.from_string("{% load milepost %}{% link 'web:milestone_detail' pk %}")
    url = django_engine.from_string("{% url 'web:milestone_detail' pk %}")
    assert link.render(context) == url.render(context) == "/milestones/42/"
