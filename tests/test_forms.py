"""Task forms whose fields are copies of prototypes (forms.bind_from_prototype) behave exactly as
forms whose fields WTForms builds anew, and no form's input or errors reach another form."""

import pytest
from flask import g
from wtforms.meta import DefaultMeta

from tests.helpers import TEST_CONFIG
from webapp import create_app, forms
from webapp.forms import _PROTOTYPES, FORMS

# what a browser sends for each task: one valid submission and one with mistakes (files left out:
# the file fields are "choose a file" errors in both)
SUBMISSIONS = {
    "countdown": ({"seconds": "3", "timezone": "UTC"}, {"seconds": "0", "start_in": "x", "timezone": "Mars"}),
    "primes": ({"limit": "1000", "priority": "low"}, {"limit": "1", "start_at": "2001-01-01T10:00"}),
    "url_words": ({"url": "https://example.com/"}, {"url": "", "priority": "urgent"}),
    "word_frequency": ({"text": "a b c", "top": "5"}, {"text": "", "top": "0"}),
    "thumbnails": ({"sizes": "128"}, {"sizes": "7"}),
    "csv_profile": ({"timezone": "UTC"}, {"start_in": "-1"}),
}


@pytest.fixture
def app(redis_url):
    """The site as it runs: with CSRF protection, so the forms have their token field."""
    return create_app({**TEST_CONFIG, "REDIS_URL": redis_url, "WTF_CSRF_ENABLED": True})


def freshly_bound(form_cls):
    """The same form, its fields built by WTForms itself (DefaultMeta.bind_field)."""

    class Meta(form_cls.Meta):
        def bind_field(self, form, unbound_field, options):
            return DefaultMeta.bind_field(self, form, unbound_field, options)

    return type(form_cls.__name__, (form_cls,), {"Meta": Meta})


def shown(form) -> dict:
    """Everything a user sees or the site reads of a processed and validated form."""
    return {
        "valid": form.validate(),
        "data": {name: repr(value) for name, value in form.data.items() if name != "csrf_token"},
        "errors": form.errors,
        "html": [
            (str(field.label), str(field), field.description) for field in form if field.name != "csrf_token"
        ],
    }


@pytest.mark.parametrize("task", sorted(FORMS))
@pytest.mark.parametrize("which", ["valid", "invalid", "empty form"])
def test_copied_fields_behave_as_fresh_ones(app, task, which):
    form_cls = FORMS[task]
    data = {"valid": SUBMISSIONS[task][0], "invalid": SUBMISSIONS[task][1], "empty form": None}[which]
    kwargs = {"method": "POST", "data": data} if data is not None else {}
    with app.test_request_context(f"/tasks/{task}", **kwargs):
        form_cls()  # the prototypes are made by a first form
        assert shown(form_cls()) == shown(freshly_bound(form_cls)())


def test_one_forms_input_and_errors_never_reach_another(app):
    with app.test_request_context("/tasks/countdown", method="POST", data={"seconds": "0"}):
        bad = FORMS["countdown"]()
        assert not bad.validate()
    with app.test_request_context("/tasks/countdown", method="POST", data={"seconds": "7"}):
        g.csrf_valid = True  # as CSRFProtect marks a POST whose token it checked
        good = FORMS["countdown"]()
        assert good.validate(), good.errors
    with app.test_request_context("/tasks/countdown"):
        blank = FORMS["countdown"]()
        html = str(blank.seconds)
    assert bad.seconds.errors and bad.seconds.data == 0
    assert good.seconds.errors == [] and good.seconds.data == 7
    assert blank.seconds.errors == () and blank.seconds.data == 10  # the field's default
    assert 'value="10"' in html
    assert bad.seconds is not good.seconds and bad.seconds.meta is bad.meta
    for _, prototype in _PROTOTYPES.values():  # never processed, never validated
        assert not {"data", "raw_data", "errors", "process_errors"} & set(vars(prototype))


def test_fields_not_declared_on_the_class_are_bound_per_form(app):
    with app.test_request_context("/tasks/countdown"):
        first, second = FORMS["countdown"](), FORMS["countdown"]()
    assert first.csrf_token is not second.csrf_token
    assert first.csrf_token.csrf_impl is not second.csrf_token.csrf_impl
    assert all(key[1] != "csrf_token" for key in forms._PROTOTYPES)
