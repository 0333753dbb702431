"""A conversation with a bit of everything (settings, seeds and a participant's statement, moderation,
places with settings, themes, participants with places and strata, votes changed and undone, an owner),
built through the store on any database."""

from __future__ import annotations

import uuid

from voxpop.places.io import registry_from_rows
from voxpop.services import conversations, moderation, statements, votes
from voxpop.services.participants import get_or_create_participant
from voxpop.simulate import SimSpec, simulate
from voxpop.store.models import Artifact, Organiser
from voxpop.store.places import replace_places, save_settings

PLACES = [{"id": "N", "parent": None, "name": "North", "kind": "region", "population": 600, "context": None},
          {"id": "S", "parent": None, "name": "South", "kind": "region", "population": 400, "context": None}]


def build_conversation(db, *, people: int = 90, n_statements: int = 10, seed: int = 7) -> tuple[str, str]:
    """(conversation id, owner username)."""
    sim = simulate(SimSpec(participants=people, statements=n_statements, groups=2, votes_min=6, votes_max=10,
                           seed=seed))
    owner = "owner" + uuid.uuid4().hex[:8]
    with db.write() as s:
        org = Organiser(username=owner, password_hash="$argon2id$not-a-real-hash-but-secret", is_admin=False)
        s.add(org)
        s.flush()
        conv = conversations.create_conversation(s, topic="Round trip", description="Everything, once.",
                                                 owner_id=org.id, moderation="post", statement_max_len=300)
        statements.add_statements(s, conv.id, [f"Seed statement {i}: {t}" for i, t in enumerate(sim.texts)])
        pks = [get_or_create_participant(s, conv.id, anon_id=f"browser-{i:04d}-{uuid.uuid4().hex[:6]}",
                                         place_id="N" if i % 3 else "S",
                                         strata={"age_band": "16-34" if i % 2 else "35+"}).id
               for i in range(people)]
        votes.import_votes(s, conv.id, [(pks[p], int(m), int(v), int(t)) for p, m, v, t in
                                        zip(sim.participant, sim.statement, sim.vote, sim.timestamp, strict=True)])
        extra = statements.add_statement(s, conv.id, "A participant's own statement, waiting for moderation",
                                         participant_id=pks[0])
        moderation.moderate(s, conv.id, extra.tid, "accept", organiser_id=org.id)
        moderation.moderate(s, conv.id, 1, "reject", organiser_id=org.id)
        moderation.moderate(s, conv.id, 2, "meta", organiser_id=org.id)
        votes.cast_vote(s, conv.id, pks[1], extra.tid, "agree", client_key="key-1")
        votes.cast_vote(s, conv.id, pks[1], extra.tid, "disagree", client_key="key-2")
        votes.cast_vote(s, conv.id, pks[2], extra.tid, "pass")
        votes.undo_vote(s, conv.id, pks[2], extra.tid)
        replace_places(s, conv.id, registry_from_rows(PLACES))
        save_settings(s, conv.id, {"policy": "equal", "min_cell": 3, "margins": {}})
        s.add(Artifact(conversation_id=conv.id, kind="listen_themes", payload={"themes": [{"id": "T1", "label":
                                                                                         "buses"}]}))
        return conv.id, owner
