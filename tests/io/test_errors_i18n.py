"""Errors whose words are lazy translations: said in the reader's language when read, and still picklable
(errors cross to and from the worker processes)."""

from __future__ import annotations

import pickle

from voxpop import i18n
from voxpop.errors import Invalid, RateLimited
from voxpop.places.registry import PlaceError


def test_a_file_error_names_file_line_problem_and_fix_in_the_readers_language():
    e = PlaceError("places.csv", i18n.lazy_gettext("empty place id"), line=3,
                   fix=i18n.lazy_gettext("give every place a unique id"))
    assert str(e) == "places.csv, line 3: empty place id — give every place a unique id"
    with i18n.use_locale("cy"):
        assert str(e) == "places.csv, llinell 3: dynodwr lle gwag — rhowch ddynodwr unigryw i bob lle"
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is PlaceError and str(back) == str(e) and back.line == 3 and back.source == "places.csv"


def test_service_errors_with_lazy_words_pickle_with_their_details():
    e = Invalid(i18n.lazy_gettext("the staff PIN must be 4 to 12 digits"), details=[{"line": 2}])
    with i18n.use_locale("cy"):
        assert e.to_dict() == {"error": "invalid", "message": "rhaid i PIN y staff fod yn 4 i 12 digid",
                               "details": [{"line": 2}]}
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is Invalid and back.to_dict() == e.to_dict()
    slow = pickle.loads(pickle.dumps(RateLimited(i18n.lazy_gettext("too many requests; wait %(wait)s s and try "
                                                                   "again", wait="2.0"), retry_after=2.0)))
    assert slow.retry_after == 2.0 and slow.message == "too many requests; wait 2.0 s and try again"
