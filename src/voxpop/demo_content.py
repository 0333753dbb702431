"""The demo conversation: a country split by a national vote, talking about what to do now.

Written for voxpop (not taken from any real conversation). Each statement carries a planted stance
per opinion group, from -2 (strongly disagree) to +2 (strongly agree); `voxpop demo` simulates
participants from these stances so that the analysis has real groups, consensus and divides to find.
"""

from __future__ import annotations

from dataclasses import dataclass

TITLE = "What should our country do now?"
DESCRIPTION = (
    "Last year's national vote split the country almost in half: many towns, coasts and the countryside "
    "voted one way, most big cities the other. Whatever you voted, tell us what matters to you now. "
    "Agree, disagree or pass on each statement, and add your own."
)
# the title and description in Welsh: a reader of the Welsh pages sees these (written for voxpop, not yet
# reviewed by a fluent speaker)
TITLE_CY = "Beth ddylai ein gwlad ei wneud nawr?"
DESCRIPTION_CY = (
    "Fe wnaeth pleidlais genedlaethol y llynedd hollti’r wlad bron yn ei hanner: pleidleisiodd llawer o drefi, "
    "arfordiroedd a chefn gwlad un ffordd, a’r rhan fwyaf o ddinasoedd mawr y ffordd arall. Sut bynnag y "
    "pleidleisioch chi, dywedwch wrthym beth sy’n bwysig i chi nawr. Cytunwch, anghytunwch neu ewch heibio i bob "
    "datganiad, ac ychwanegwch eich rhai eich hun."
)


@dataclass(frozen=True)
class PlantedGroup:
    key: str
    label: str
    share: float  # fraction of the simulated participants
    description: str


GROUPS: tuple[PlantedGroup, ...] = (
    PlantedGroup("cities", "Big cities", 0.40, "Younger, mostly voted to stay, worried about trade and rights."),
    PlantedGroup("towns", "Towns and coasts", 0.35, "Mostly voted to leave, feel ignored by the capital."),
    PlantedGroup("countryside", "Countryside", 0.25, "Split vote, worried about farming, services and housing."),
)

# (statement, stance for cities, towns and coasts, countryside)
STATEMENTS: tuple[tuple[str, int, int, int], ...] = (
    # common ground: every group leans the same way
    ("Whatever people voted, they deserve to be listened to rather than mocked.", 2, 2, 2),
    ("Local hospitals and GP surgeries should be protected wherever people live.", 2, 2, 2),
    ("The country is more divided now than it was ten years ago.", 2, 2, 1),
    ("Families should be able to afford a home near where they grew up.", 2, 2, 2),
    ("Young people should not have to move away to find a decent job.", 1, 2, 2),
    ("Bus and train services outside the big cities have been neglected for too long.", 1, 2, 2),
    ("I have friends or family who voted the other way, and we still get on.", 1, 1, 1),
    ("Politicians should spend less time arguing about the vote and more time fixing everyday problems.", 1, 2, 2),
    ("Local newspapers closing has made it harder to know what is going on where I live.", 1, 1, 2),
    ("Big employers should be encouraged to open offices outside the capital.", 1, 2, 1),
    ("Seaside towns need a dedicated plan to bring back jobs and visitors.", 1, 2, 1),
    ("A citizens' assembly drawn from every part of the country should advise on what happens next.", 2, 0, 1),
    ("Second homes that stand empty most of the year should pay much higher local tax.", 1, 2, 1),
    # the main divide: cities against towns and coasts
    ("We should hold another public vote once the consequences are clear.", 2, -2, 0),
    ("Leaving was the right decision for the country.", -2, 2, 0),
    ("We should rejoin the neighbours' single market within ten years.", 2, -2, 0),
    ("Control of our borders matters more than short-term economic growth.", -2, 2, 0),
    ("Immigration has been good for my area.", 2, -2, 0),
    ("The result of the vote must be respected, even by those who lost.", -1, 2, 1),
    ("The national broadcaster is fair to people like me.", 1, -2, -1),
    ("People in the big cities look down on those who voted differently.", -1, 2, 2),
    ("Cities pay most of the tax, so they should have more say in national decisions.", 1, -2, -2),
    ("The voting age should be lowered to sixteen.", 2, -1, -1),
    ("Traditional industries deserve support even if that costs more than buying from abroad.", -1, 2, 0),
    ("Too much public money is spent in the capital compared with the rest of the country.", -1, 2, 2),
    ("Universities get too much attention compared with apprenticeships and trades.", -1, 2, 1),
    ("Cities should be given more powers to raise and spend their own taxes.", 2, -1, 0),
    ("Staying close to our neighbours on trade matters more than setting our own rules.", 2, -2, 0),
    ("Fishing communities were let down by the deal that followed the vote.", 0, 2, 0),
    ("Police should be far more visible in town centres.", 0, 2, -1),
    # what sets the countryside apart
    ("Farmers need guaranteed support to replace what they received before the vote.", -1, -1, 2),
    ("Housing targets set in the capital should not override the wishes of rural communities.", -1, -1, 2),
    ("New housing should be built on green fields when there is nowhere else.", 1, 1, -2),
    ("Rural broadband is too slow to run a modern business.", -1, 0, 2),
    ("Wind and solar farms are welcome near where I live.", 2, 1, -2),
    ("Workers from abroad are essential to our farms and care homes.", 2, -2, 2),
    ("Protecting farmland and nature should come before building new roads.", 1, -2, 2),
    ("Village schools should be kept open even when they have few pupils.", -1, 0, 2),
    ("Decisions about my area should be made in my area, not in the capital.", 0, 2, 2),
    ("People who voted differently from me had good reasons.", 1, 0, 1),
)

# What a simulated participant added to the moderation queue, so the organiser page has work to do.
PENDING_STATEMENTS: tuple[str, ...] = (
    "Town halls should hold open meetings about the vote's effects twice a year.",
    "Every region should have a minister who lives there.",
    "Nobody talks about how the vote affected disabled people.",
)

ORGANISER_USERNAME = "organiser"
ORGANISER_PASSWORD = "demo-organiser"


def stance_matrix() -> list[list[int]]:
    """Statements x groups, in the order of STATEMENTS and GROUPS."""
    return [[c, t, r] for _, c, t, r in STATEMENTS]


def agree_probabilities(stance: int) -> tuple[float, float]:
    """(P(agree), P(disagree)) for a planted stance; the rest of the time people pass."""
    table = {2: (0.88, 0.05), 1: (0.68, 0.17), 0: (0.35, 0.35), -1: (0.17, 0.68), -2: (0.05, 0.88)}
    return table[stance]


def simulate_votes(n_participants: int, seed: int = 0):
    """Planted-group votes on STATEMENTS: (participant, statement, vote, group) numpy arrays.

    voxpop.simulate plants random stances on generated texts; the demo needs the stances that go with
    these written statements, so it draws from `stance_matrix()` instead (same idea, vectorised).
    Each person sees 55-100% of the statements in random order and votes by their group's stance.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    shares = np.array([g.share for g in GROUPS])
    group = rng.choice(len(GROUPS), size=n_participants, p=shares / shares.sum())
    stance = np.array(stance_matrix()).T  # groups x statements
    m = stance.shape[1]
    probs = {s: agree_probabilities(s) for s in (-2, -1, 0, 1, 2)}
    p_agree = np.vectorize(lambda s: probs[s][0])(stance)
    p_disagree = np.vectorize(lambda s: probs[s][1])(stance)
    parts, stmts, votes = [], [], []
    for i in range(n_participants):
        k = int(rng.integers(int(0.55 * m), m + 1))
        seen = rng.permutation(m)[:k]
        g = group[i]
        u = rng.random(k)
        pa, pd = p_agree[g, seen], p_disagree[g, seen]
        v = np.where(u < pa, 1, np.where(u < pa + pd, -1, 0))
        parts.append(np.full(k, i))
        stmts.append(seen)
        votes.append(v)
    return np.concatenate(parts), np.concatenate(stmts), np.concatenate(votes), group


# The demo's statements in Welsh, in the order of STATEMENTS (the conversation offers English and Welsh; a
# reader whose browser asks for Welsh sees these, with the English one tap away). Written for voxpop, not yet
# reviewed by a fluent speaker.
STATEMENTS_CY: tuple[str, ...] = (
    "Sut bynnag y pleidleisiodd pobl, maen nhw’n haeddu cael eu clywed yn hytrach na’u gwawdio.",
    "Dylid gwarchod ysbytai lleol a meddygfeydd teulu ble bynnag mae pobl yn byw.",
    "Mae’r wlad yn fwy rhanedig nawr nag yr oedd ddeng mlynedd yn ôl.",
    "Dylai teuluoedd allu fforddio cartref yn agos at ble cawson nhw eu magu.",
    "Ni ddylai pobl ifanc orfod symud i ffwrdd i ddod o hyd i swydd dda.",
    "Mae gwasanaethau bws a thrên y tu allan i’r dinasoedd mawr wedi’u hesgeuluso’n rhy hir.",
    "Mae gen i ffrindiau neu deulu a bleidleisiodd y ffordd arall, ac rydyn ni’n dal i ddod ymlaen.",
    "Dylai gwleidyddion dreulio llai o amser yn dadlau am y bleidlais a mwy o amser yn datrys problemau bob dydd.",
    "Mae cau papurau newydd lleol wedi’i gwneud hi’n anoddach gwybod beth sy’n digwydd lle rwy’n byw.",
    "Dylid annog cyflogwyr mawr i agor swyddfeydd y tu allan i’r brifddinas.",
    "Mae angen cynllun penodol ar drefi glan môr i ddod â swyddi ac ymwelwyr yn ôl.",
    "Dylai cynulliad dinasyddion o bob rhan o’r wlad gynghori ar beth sy’n digwydd nesaf.",
    "Dylai ail gartrefi sy’n wag y rhan fwyaf o’r flwyddyn dalu treth leol llawer uwch.",
    "Dylem gynnal pleidlais gyhoeddus arall unwaith y bydd y canlyniadau’n glir.",
    "Gadael oedd y penderfyniad iawn i’r wlad.",
    "Dylem ailymuno â marchnad sengl ein cymdogion o fewn deng mlynedd.",
    "Mae rheoli ein ffiniau’n bwysicach na thwf economaidd tymor byr.",
    "Mae mewnfudo wedi bod yn dda i fy ardal i.",
    "Rhaid parchu canlyniad y bleidlais, hyd yn oed gan y rhai a gollodd.",
    "Mae’r darlledwr cenedlaethol yn deg â phobl fel fi.",
    "Mae pobl yn y dinasoedd mawr yn edrych i lawr ar y rhai a bleidleisiodd yn wahanol.",
    "Mae dinasoedd yn talu’r rhan fwyaf o’r dreth, felly dylen nhw gael mwy o lais mewn penderfyniadau cenedlaethol.",
    "Dylid gostwng yr oedran pleidleisio i un ar bymtheg.",
    "Mae diwydiannau traddodiadol yn haeddu cefnogaeth hyd yn oed os yw hynny’n costio mwy na phrynu o dramor.",
    "Mae gormod o arian cyhoeddus yn cael ei wario yn y brifddinas o’i gymharu â gweddill y wlad.",
    "Mae prifysgolion yn cael gormod o sylw o’u cymharu â phrentisiaethau a chrefftau.",
    "Dylai dinasoedd gael mwy o bwerau i godi a gwario eu trethi eu hunain.",
    "Mae aros yn agos at ein cymdogion o ran masnach yn bwysicach na gosod ein rheolau ein hunain.",
    "Cafodd cymunedau pysgota eu siomi gan y cytundeb a ddilynodd y bleidlais.",
    "Dylai’r heddlu fod yn llawer mwy gweladwy yng nghanol trefi.",
    "Mae angen cymorth gwarantedig ar ffermwyr i gymryd lle’r hyn a gawsant cyn y bleidlais.",
    "Ni ddylai targedau tai a osodir yn y brifddinas drechu dymuniadau cymunedau gwledig.",
    "Dylid codi tai newydd ar gaeau gwyrdd pan nad oes unman arall.",
    "Mae band eang gwledig yn rhy araf i redeg busnes modern.",
    "Mae croeso i ffermydd gwynt a solar yn agos at ble rwy’n byw.",
    "Mae gweithwyr o dramor yn hanfodol i’n ffermydd a’n cartrefi gofal.",
    "Dylai gwarchod tir fferm a natur ddod cyn adeiladu ffyrdd newydd.",
    "Dylid cadw ysgolion pentref ar agor hyd yn oed pan nad oes llawer o ddisgyblion.",
    "Dylid gwneud penderfyniadau am fy ardal i yn fy ardal i, nid yn y brifddinas.",
    "Roedd gan bobl a bleidleisiodd yn wahanol i mi resymau da.",
)
