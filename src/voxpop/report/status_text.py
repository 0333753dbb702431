"""Why an analysis found no groups, in the reader's language.

The engine (pure math, no catalogs) says why in English (engine.pipeline.TooFewVotes) and the document
keeps that English in `meta.message`; the results page shows it to participants. Each reason's template
is listed here as a catalog entry, so `in_reader_language` can match a stored message and say it again in
the reader's language (as voxpop.listen.io does for testimony errors). A message that matches none is
shown as it is.
"""

from __future__ import annotations

from voxpop.i18n import N_, StoredMessages

# the engine's wording, word for word (tests/pages/test_results_page.py checks them against real analyses)
TEMPLATES = [
    N_("nobody has voted yet: an analysis needs votes from at least two participants"),
    N_("only %(n)s statement(s) that are not moderated out have votes; an analysis needs votes on at least two"),
    N_("only %(n)s participant(s) voted on at least %(m)s statements; groups need at least two"),
    N_("the %(n)s participant(s) in the conversation all sit at the same place on the map (they voted alike or "
       "on too little); groups need at least two different voting patterns"),
]


# a stored analysis message (English) in the current request's language; any other text as it is
in_reader_language = StoredMessages(TEMPLATES, value=r"\d+")
