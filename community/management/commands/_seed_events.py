"""The demo events: a capitalisation seminar, a full workshop, a webinar, a visit on approval,
events in Valencia and in a private space, and two past events with their closing report.

Pages are created under the events index and published as an editor would. Registrations,
cancellations, approvals, check-in, feedback and reports go through `events.services`, so the
seats follow the real rules (never above the capacity, the waiting list served in order) and the
members find the notifications real use would leave: confirmed, waitlisted, a seat offered,
a request awaiting approval.

Dates are relative to the day the seed runs, so the agenda always has something ahead. Times
are wall-clock times in each event's own zone, converted to UTC with `local_to_utc`.

Past events: the services refuse to register anyone for an event that is over, and accept
no-shows, feedback and the closing report only once it has started. A past event is therefore
built as it lived: published a few days ahead, registrations taken through the services, then
its dates moved back by publishing a new revision (what an organiser would do in the admin to
record when it happened), then check-in, no-shows, feedback and report through the services.
The `page_published` receiver works after commit, when the page already holds its past dates,
so the first schedule it records is the past one and no participant is told of a "change".
The rows' timestamps (registrations, notifications, check-ins) are then moved back too, as the
forum seed does for its topics.

An event whose slug already exists is skipped: running the seed again adds nothing.
"""

from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from notifications.models import Notification

from community.models import Cluster, Organisation, Space, Theme, User
from events import services
from events.models import (
    EventIndexPage,
    EventPage,
    EventQuestion,
    Feedback,
    ProgrammeSlot,
    Registration,
    Speaker,
)
from events.timezones import local_to_utc, utc_to_local

Type = EventPage.Type
Format = EventPage.Format
Kind = ProgrammeSlot.Kind
Attendance = Registration.Attendance

DEMO_LINK = "https://visio.demo.egalite.example"

# --- Speakers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpeakerSpec:
    name: str
    job_title: str
    organisation_name: str
    login: str = ""  # the demo member whose profile the speaker's name links to
    bio: str = ""


SPEAKERS = {
    "kervella": SpeakerSpec(
        "Anne Kervella",
        "Maîtresse de conférences en psychologie de l'orientation",
        "Université de Lannvor",
        bio=(
            "Elle étudie depuis vingt ans la façon dont les élèves choisissent un métier, et "
            "ce que les représentations du masculin et du féminin pèsent dans ces choix."
        ),
    ),
    "legall": SpeakerSpec(
        "Rozenn Le Gall",
        "Déléguée régionale aux droits des femmes et à l'égalité",
        "Services de l'État en région",
    ),
    "claire": SpeakerSpec(
        "Claire Morvan",
        "Animatrice du cluster",
        "Armor Travail & Égalité",
        login="claire.morvan",
    ),
    "lucia": SpeakerSpec(
        "Lucía Ferrer Roig",
        "Animatrice du cluster",
        "Asociación Clúster Mueble Levante",
        login="lucia.ferrer",
    ),
    "ioana": SpeakerSpec(
        "Ioana Vasilescu",
        "Animatrice du cluster",
        "Asociația Textil Carpați",
        login="ioana.vasilescu",
    ),
    "sophie": SpeakerSpec(
        "Sophie Lemoine",
        "Consultante et formatrice",
        "Ty Conseil Égalité (SCOP)",
        login="sophie.lemoine",
    ),
    "sandrine": SpeakerSpec(
        "Sandrine Quéré",
        "Responsable des ressources humaines",
        "Verrerie de Lannvor",
        login="sandrine.quere",
    ),
    "elodie": SpeakerSpec(
        "Élodie Marchand",
        "Conductrice de ligne",
        "Verrerie de Lannvor",
        login="elodie.marchand",
    ),
    "andrei": SpeakerSpec(
        "Andrei Popa",
        "Directeur des ressources humaines",
        "Confecții Siret",
        login="andrei.popa",
    ),
    "maelle": SpeakerSpec(
        "Maëlle Le Goff",
        "Responsable RH et référente égalité",
        "Conserverie Kerlann",
        login="maelle.legoff",
    ),
    "julien": SpeakerSpec(
        "Julien Guillou",
        "Chargé de mission emplois et compétences",
        "Lannvor Agglomération",
        login="julien.guillou",
    ),
    "nadia": SpeakerSpec(
        "Nadia Belkacem",
        "Coordinatrice",
        "Numérik'Elles",
        login="nadia.belkacem",
    ),
    "ines": SpeakerSpec(
        "Inès Roussel",
        "Développeuse indépendante, marraine",
        "",
        login="ines.roussel",
    ),
    "thomas": SpeakerSpec(
        "Thomas Le Bihan",
        "Professeur de maintenance industrielle",
        "Lycée professionnel Pen ar Roz",
        login="thomas.lebihan",
    ),
    "mihaela": SpeakerSpec(
        "Mihaela Stan",
        "Formatrice",
        "Asociația Textil Carpați",
        login="mihaela.stan",
    ),
    "pablo": SpeakerSpec(
        "Pablo Navarro Gil",
        "Gérant",
        "Muebles Albufera",
        login="pablo.navarro",
    ),
}

# --- Events -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    starts: str  # "09:30", wall-clock time in the event's zone
    ends: str
    kind: str
    title: str
    description: str = ""
    room: str = ""
    track: str = ""
    speakers: tuple[str, ...] = ()  # keys of SPEAKERS
    tables: tuple[str, ...] = ()
    second_day: bool = False


@dataclass(frozen=True)
class Question:
    label: str
    kind: str = EventQuestion.Kind.TEXT
    choices: tuple[str, ...] = ()
    required: bool = False
    help_text: str = ""


@dataclass(frozen=True)
class EventSpec:
    slug: str
    title: str
    event_type: str
    summary: str
    description: str  # rich text (HTML)
    owner: str  # the demo login who created the page
    days_ahead: int  # negative: a past event (see the module's docstring)
    starts: str
    ends: str
    story: str  # the name of the function in STORIES that plays what happened
    last_day_offset: int = 0  # 1 for an event ending the next day
    time_zone: str = "Europe/Paris"
    format: str = Format.IN_PERSON
    venue_name: str = ""
    address: str = ""
    city: str = ""
    country: str = "FR"
    online_url: str = ""
    space: str = ""
    cluster: str = ""
    organisers: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    audience: str = ""
    language: str = "fr"
    accessibility: str = ""
    capacity: int | None = None
    max_seats_per_registration: int = 1
    opens_in_days: int | None = None  # registration opens that many days from now, at 09:00
    closes_days_before: int | None = None  # registration closes that many days before, at 18:00
    approval: str = EventPage.Approval.AUTOMATIC
    claim_window_hours: int = 24
    id_required: bool = False
    questions: tuple[Question, ...] = ()
    slots: tuple[Slot, ...] = ()


DIETS = ("Aucun", "Végétarien", "Végétalien", "Sans gluten", "Autre (à préciser à l'accueil)")

SEMINAR = EventSpec(
    slug="seminaire-capitalisation-saint-malo",
    title="Séminaire de capitalisation des Clusters Égalité à Saint-Malo",
    event_type=Type.SEMINAR,
    summary=(
        "Un jour et demi pour mettre en commun ce que les trois clusters ont appris, outils à "
        "l'appui, et décider ensemble de ce que nous transmettons aux autres territoires."
    ),
    description=(
        "<p>Le programme européen touche à sa fin. Comme prévu dès son lancement, il se "
        "conclut à Saint-Malo par un séminaire de capitalisation <b>ouvert à tous les "
        "publics</b> : entreprises des clusters, référentes et référents égalité, écoles, "
        "collectivités et acteurs de l'emploi.</p>"
        "<h3>Ce que nous ferons</h3>"
        "<ul><li>Faire le point sur la mixité des métiers avec une chercheuse.</li>"
        "<li>Travailler en petites tables sur deux parcours au choix : repérer les stéréotypes, "
        "ou recruter sans stéréotypes.</li>"
        "<li>Écouter les entreprises de Bretagne, de Valence et du nord-est de la Roumanie "
        "raconter ce qui a changé chez elles.</li>"
        "<li>Rédiger les fiches pratiques qui resteront sur la plateforme.</li></ul>"
        "<p>Chaque cluster présente ses innovations et les leviers qui ont marché, mais aussi "
        "ce qui n'a pas fonctionné : c'est ce qui fait gagner du temps aux suivants.</p>"
    ),
    owner="claire.morvan",
    days_ahead=47,
    last_day_offset=1,
    starts="09:00",
    ends="12:30",
    story="seminar",
    venue_name="Maison des Corsaires",
    address="4 esplanade du Sillon",
    city="Saint-Malo",
    cluster="cluster-egalite-armor",
    organisers=("lucia.ferrer", "ioana.vasilescu", "sophie.lemoine"),
    themes=("gender-diversity-of-trades", "recruitment", "gpect", "career-paths"),
    audience=(
        "Entreprises des clusters, référentes et référents égalité, écoles, collectivités ; "
        "ouvert à tous les publics"
    ),
    accessibility=(
        "Salles de plain-pied, boucle magnétique dans la grande salle, table ronde sous-titrée "
        "en direct. Dites-nous à l'inscription ce dont vous avez besoin."
    ),
    capacity=80,
    closes_days_before=4,
    claim_window_hours=48,
    id_required=True,
    questions=(
        Question(
            "Votre organisation",
            required=True,
            help_text="Pour votre badge et la liste des structures présentes.",
        ),
        Question(
            "Régime alimentaire",
            kind=EventQuestion.Kind.CHOICE,
            choices=DIETS,
            required=True,
            help_text="Les deux déjeuners et les pauses sont servis sur place.",
        ),
        Question("Participerez-vous au dîner du premier soir ?", kind=EventQuestion.Kind.YES_NO),
    ),
    slots=(
        Slot(
            "09:00",
            "09:30",
            Kind.OTHER,
            "Accueil et émargement",
            "Munissez-vous d'une pièce d'identité : elle est demandée à l'entrée.",
        ),
        Slot(
            "09:30",
            "09:45",
            Kind.TALK,
            "Ouverture : trois clusters, un programme",
            speakers=("claire", "lucia", "ioana"),
        ),
        Slot(
            "09:45",
            "10:30",
            Kind.KEYNOTE,
            "Où en est la mixité des métiers ? Un état des lieux",
            "Les métiers se mélangent plus qu'il y a trente ans, mais les écarts de contrats, "
            "de salaires et de carrières demeurent. D'où viennent-ils, et que peut une PME ?",
            room="Grande salle",
            speakers=("kervella",),
        ),
        Slot("10:30", "10:45", Kind.BREAK, "Pause"),
        Slot(
            "10:45",
            "12:15",
            Kind.WORKSHOP,
            "Quiz de la mixité et chasse aux stéréotypes",
            "Un quiz pour tester nos idées reçues sur les métiers, puis des tables pour "
            "repérer ce qui, dans nos mots et nos images, écarte les unes ou les autres.",
            room="Salle Jacques-Cartier",
            track="Parcours A – Repérer les stéréotypes",
            speakers=("sophie", "elodie"),
            tables=(
                "Table 1 – Le quiz : idées reçues sur les métiers",
                "Table 2 – Les mots qui excluent : relire nos fiches de poste",
                "Table 3 – Raconter son métier sans stéréotypes",
            ),
        ),
        Slot(
            "10:45",
            "12:15",
            Kind.WORKSHOP,
            "Des offres d'emploi qui s'adressent à toutes et à tous",
            "Chaque table réécrit une vraie offre d'emploi apportée par une entreprise du "
            "cluster, puis cherche où la publier pour toucher d'autres candidatures.",
            room="Salle Duguay-Trouin",
            track="Parcours B – Recruter sans stéréotypes",
            speakers=("sandrine", "maelle"),
            tables=(
                "Table 1 – Réécrire une offre de technicien·ne de maintenance",
                "Table 2 – Où publier pour toucher d'autres candidates",
                "Table 3 – L'entretien en binôme mixte",
            ),
        ),
        Slot("12:15", "13:45", Kind.BREAK, "Déjeuner"),
        Slot(
            "13:45",
            "15:15",
            Kind.ROUND_TABLE,
            "Promouvoir la mixité dans les PME : ce que trois clusters ont appris",
            "Une entreprise de chaque pays raconte une action qui a marché, et une qui a "
            "échoué. Animation : Claire Morvan.",
            room="Grande salle",
            speakers=("claire", "lucia", "andrei", "maelle"),
        ),
        Slot("15:15", "15:30", Kind.BREAK, "Pause"),
        Slot(
            "15:30",
            "17:00",
            Kind.WORKSHOP,
            "Rédiger les fiches pratiques",
            "Les tables du matin transforment leurs trouvailles en fiches pratiques "
            "publiées sur la plateforme.",
            room="Salle Jacques-Cartier",
            track="Parcours A – Repérer les stéréotypes",
            speakers=("sophie",),
            tables=(
                "Table 1 – Fiche « Quiz de la mixité »",
                "Table 2 – Fiche « Relire ses fiches de poste »",
            ),
        ),
        Slot(
            "15:30",
            "17:00",
            Kind.WORKSHOP,
            "Les compétences du territoire au service de la mixité",
            "Comment une démarche emplois et compétences territoriale aide les PME à "
            "recruter autrement.",
            room="Salle Duguay-Trouin",
            track="Parcours B – Recruter sans stéréotypes",
            speakers=("julien",),
            tables=(
                "Table 1 – Cartographier les métiers en tension",
                "Table 2 – Les passerelles entre métiers",
            ),
        ),
        Slot("17:00", "17:30", Kind.TALK, "Ce que les tables retiennent", room="Grande salle"),
        Slot(
            "09:00",
            "10:30",
            Kind.TALK,
            "Retours des territoires : Bretagne, Valence, Nord-Est",
            "Trois récits d'entreprises, dix minutes chacun, puis les questions.",
            room="Grande salle",
            speakers=("claire", "lucia", "ioana"),
            second_day=True,
        ),
        Slot("10:30", "10:45", Kind.BREAK, "Pause", second_day=True),
        Slot(
            "10:45",
            "12:00",
            Kind.TALK,
            "Transférer : la suite du programme et la plateforme de partage",
            room="Grande salle",
            speakers=("sophie",),
            second_day=True,
        ),
        Slot(
            "12:00",
            "12:30",
            Kind.OTHER,
            "Clôture : les engagements de chaque cluster",
            room="Grande salle",
            speakers=("legall",),
            second_day=True,
        ),
    ),
)

FULL_WORKSHOP = EventSpec(
    slug="atelier-offres-emploi-sans-stereotypes",
    title="Atelier pratique : des offres d'emploi sans stéréotypes",
    event_type=Type.WORKSHOP,
    summary=(
        "Deux heures et demie en petit groupe pour réécrire une de vos offres d'emploi et "
        "toucher des candidatures que vous ne recevez pas aujourd'hui."
    ),
    description=(
        "<p>Venez avec une offre d'emploi que vous avez publiée ou allez publier. Nous la "
        "relirons ensemble : intitulé, vocabulaire, exigences réelles du poste, photos, lieux "
        "de diffusion.</p><p>Le groupe est volontairement petit pour que chacune et chacun "
        "reparte avec son offre réécrite.</p>"
    ),
    owner="claire.morvan",
    days_ahead=11,
    starts="14:00",
    ends="16:30",
    story="full_workshop",
    venue_name="Maison des entreprises",
    address="5 rue de la Verrerie",
    city="Lannvor",
    space="recruter-sans-stereotypes",
    organisers=("sandrine.quere",),
    themes=("recruitment", "gender-diversity-of-trades"),
    audience="Dirigeantes, dirigeants et RH de PME",
    accessibility="Salle au rez-de-chaussée, accessible en fauteuil.",
    capacity=6,
    # Three days to claim a freed seat: the demo's pending offer outlives a few sweeps.
    claim_window_hours=72,
    questions=(
        Question(
            "Apportez-vous une offre d'emploi à retravailler ?", kind=EventQuestion.Kind.YES_NO
        ),
    ),
    slots=(
        Slot("14:00", "14:15", Kind.OTHER, "Tour de table"),
        Slot(
            "14:15", "14:45", Kind.WORKSHOP, "Quiz : ces mots qui écartent", speakers=("sandrine",)
        ),
        Slot(
            "14:45",
            "16:00",
            Kind.WORKSHOP,
            "Réécrire son offre, en binôme",
            speakers=("claire", "sandrine"),
            tables=("Table 1 – Métiers techniques", "Table 2 – Métiers du soin et du service"),
        ),
        Slot("16:00", "16:30", Kind.OTHER, "Ce que je change dès demain"),
    ),
)

WEBINAR = EventSpec(
    slug="webinaire-index-egalite-pas-a-pas",
    title="Webinaire : l'index de l'égalité professionnelle, pas à pas",
    event_type=Type.WEBINAR,
    summary=(
        "Les indicateurs de l'index expliqués simplement, un calcul commenté sur un exemple "
        "de PME, et vos questions."
    ),
    description=(
        "<p>Vous calculez l'index pour la première fois, ou vos résultats vous laissent "
        "perplexe ? Sophie Lemoine détaille chaque indicateur sur un exemple chiffré, puis "
        "Andrei Popa raconte comment son entreprise a bâti son plan de rattrapage.</p>"
        "<p>La présentation est en français ; les questions peuvent être posées en anglais "
        "ou en espagnol dans la discussion écrite.</p>"
    ),
    owner="claire.morvan",
    days_ahead=18,
    starts="11:00",
    ends="12:15",
    story="webinar",
    format=Format.ONLINE,
    country="",
    online_url=f"{DEMO_LINK}/index-egalite-pas-a-pas",
    space="reseau-referents-egalite",
    organisers=("lucia.ferrer",),
    themes=("pay-equality-index",),
    audience="Référentes et référents égalité, RH de PME",
    accessibility="Sous-titres en direct ; le support est envoyé la veille.",
    slots=(
        Slot("11:00", "11:05", Kind.OTHER, "Accueil"),
        Slot(
            "11:05",
            "11:35",
            Kind.TALK,
            "Les indicateurs, un par un, sur un exemple",
            speakers=("sophie",),
        ),
        Slot(
            "11:35",
            "11:50",
            Kind.TALK,
            "Témoignage : notre plan de rattrapage",
            speakers=("andrei",),
        ),
        Slot("11:50", "12:15", Kind.OTHER, "Vos questions"),
    ),
)

VISIT = EventSpec(
    slug="visite-verrerie-lannvor",
    title="Visite de la Verrerie de Lannvor avec le réseau « Les Verrières »",
    event_type=Type.COMPANY_VISIT,
    summary=(
        "Voir de près des postes de production tenus par des femmes, et comprendre comment "
        "la verrerie a adapté ses ateliers et son recrutement."
    ),
    description=(
        "<p>Le réseau interne « Les Verrières » ouvre les portes de l'usine : visite des "
        "lignes de production, échange avec des conductrices de ligne et des techniciennes, "
        "présentation des aménagements de postes.</p>"
        "<p>Le site est industriel : le nombre de places est limité et chaque inscription est "
        "validée par l'équipe. Chaussures de sécurité et équipements prêtés sur place.</p>"
    ),
    owner="claire.morvan",
    days_ahead=25,
    starts="09:30",
    ends="12:00",
    story="visit",
    venue_name="Verrerie de Lannvor, accueil visiteurs",
    address="Zone industrielle de Kerguen",
    city="Lannvor",
    space="recruter-sans-stereotypes",
    organisers=("sandrine.quere",),
    themes=("industry", "gender-diversity-of-trades"),
    audience="Entreprises du cluster, enseignantes et enseignants",
    accessibility=(
        "Une partie du parcours comporte des escaliers ; un circuit adapté est prévu, "
        "signalez-le à l'inscription."
    ),
    capacity=12,
    approval=EventPage.Approval.APPROVED,
    id_required=True,
    questions=(
        Question(
            "Pointure (chaussures de sécurité prêtées)",
            required=True,
            help_text="Par exemple : 39.",
        ),
    ),
    slots=(
        Slot("09:30", "10:00", Kind.OTHER, "Accueil et consignes de sécurité"),
        Slot("10:00", "11:15", Kind.OTHER, "Visite des lignes de production", speakers=("elodie",)),
        Slot(
            "11:15",
            "12:00",
            Kind.ROUND_TABLE,
            "Échange avec « Les Verrières »",
            speakers=("sandrine", "elodie"),
        ),
    ),
)

JOB_DATING = EventSpec(
    slug="job-dating-metiers-du-meuble-valence",
    title="Job dating : les ateliers du meuble recrutent aussi des femmes",
    event_type=Type.JOB_DATING,
    summary=(
        "Dix entreprises du Clúster Mueble Levante rencontrent des candidates et des candidats "
        "pour des postes de menuiserie, de vernissage et de tapisserie."
    ),
    description=(
        "<p>Des entretiens de dix minutes, sans CV obligatoire, avec des cheffes et chefs "
        "d'atelier. Une démonstration de postes adaptés ouvre la soirée.</p>"
        "<p>Les échanges se font en espagnol et en anglais.</p>"
    ),
    owner="lucia.ferrer",
    days_ahead=33,
    starts="17:00",
    ends="20:00",
    story="nothing_yet",
    time_zone="Europe/Madrid",
    venue_name="Centro de Formación del Mueble",
    address="Carrer de la Fusta 12",
    city="Valencia",
    country="ES",
    space="mixite-metiers-du-meuble",
    themes=("recruitment", "industry", "gender-diversity-of-trades"),
    audience="Demandeuses et demandeurs d'emploi, apprenties et apprentis",
    language="en",
    capacity=40,
    opens_in_days=6,
    slots=(
        Slot(
            "17:00",
            "17:30",
            Kind.TALK,
            "Démonstration : des postes adaptés à toutes et tous",
            speakers=("pablo",),
        ),
        Slot(
            "17:30",
            "20:00",
            Kind.OTHER,
            "Entretiens",
            tables=(
                "Table 1 – Menuiserie",
                "Table 2 – Vernissage et finition",
                "Table 3 – Tapisserie",
            ),
        ),
    ),
)

TEXTILE_TRAINING = EventSpec(
    slug="seance-plan-action-textile",
    title="Séance collective n° 4 : du diagnostic au plan d'action",
    event_type=Type.PILOT_TRAINING,
    summary=(
        "Les entreprises accompagnées passent de leur diagnostic chiffré à trois actions "
        "datées, avec un binôme direction et représentant du personnel."
    ),
    description=(
        "<p>Apportez votre diagnostic des écarts (mixité, parcours, conditions de travail, "
        "temps de travail). Nous choisirons ensemble trois actions réalistes et leurs "
        "indicateurs de suivi.</p><p>Réservé aux entreprises de l'accompagnement ; les "
        "chiffres partagés restent dans l'espace.</p>"
    ),
    owner="ioana.vasilescu",
    days_ahead=20,
    starts="10:00",
    ends="16:00",
    story="textile",
    time_zone="Europe/Bucharest",
    format=Format.HYBRID,
    venue_name="Sala de formare Textil Carpați",
    city="Iași",
    country="RO",
    online_url=f"{DEMO_LINK}/plan-action-textile",
    space="plan-egalite-textile",
    organisers=("mihaela.stan",),
    themes=("pay-equality-index", "career-paths", "working-conditions"),
    audience="Binômes direction et représentants du personnel des entreprises accompagnées",
    language="en",
    capacity=20,
    max_seats_per_registration=2,
    slots=(
        Slot(
            "10:00",
            "12:30",
            Kind.WORKSHOP,
            "Lire son diagnostic à quatre axes",
            speakers=("ioana", "mihaela"),
        ),
        Slot("12:30", "13:30", Kind.BREAK, "Déjeuner"),
        Slot(
            "13:30",
            "16:00",
            Kind.WORKSHOP,
            "Choisir trois actions et leurs indicateurs",
            speakers=("ioana",),
        ),
    ),
)

STORY_MORNING = EventSpec(
    slug="matinee-raconte-moi-ton-metier",
    title="Matinée « Raconte-moi ton métier : un métier n'a pas de sexe »",
    event_type=Type.INFORMATION,
    summary=(
        "Une matinée pour comprendre comment la façon de raconter un métier attire ou écarte, "
        "et pour s'outiller contre les stéréotypes."
    ),
    description=(
        "<p>La ségrégation des métiers recule lentement, mais les façons de les raconter "
        "restent souvent genrées : dans l'orientation des élèves, dans les offres d'emploi, "
        "dans les photos des plaquettes. Cette matinée propose de regarder comment « est "
        "raconté le métier », et de repartir avec des outils.</p>"
    ),
    owner="claire.morvan",
    days_ahead=-36,
    starts="09:00",
    ends="12:45",
    story="story_morning",
    format=Format.HYBRID,
    venue_name="Lycée professionnel Pen ar Roz, amphithéâtre",
    address="1 rue des Ajoncs",
    city="Lannvor",
    online_url=f"{DEMO_LINK}/raconte-moi-ton-metier",
    space="filles-et-numerique",
    organisers=("nadia.belkacem", "thomas.lebihan"),
    themes=("girls-career-guidance", "gender-diversity-of-trades", "recruitment"),
    audience="Entreprises, enseignantes et enseignants, conseillères d'orientation",
    accessibility="Amphithéâtre accessible en fauteuil ; retransmission sous-titrée.",
    capacity=40,
    id_required=True,
    slots=(
        Slot("09:00", "09:15", Kind.OTHER, "Introduction", speakers=("claire",)),
        Slot(
            "09:15",
            "09:30",
            Kind.TALK,
            "Présentation du projet « Raconte-moi ton métier »",
            speakers=("nadia",),
        ),
        Slot(
            "09:30",
            "10:00",
            Kind.KEYNOTE,
            "État des lieux de la mixité femmes-hommes",
            speakers=("kervella",),
        ),
        Slot(
            "10:00",
            "10:25",
            Kind.WORKSHOP,
            "Atelier 1 : quiz sur la mixité professionnelle et repérage des stéréotypes",
            speakers=("nadia", "ines"),
        ),
        Slot(
            "10:25",
            "10:50",
            Kind.WORKSHOP,
            "Atelier 2 : accorder les métiers et réécrire une offre d'emploi stéréotypée",
            speakers=("sandrine", "elodie"),
        ),
        Slot("10:50", "11:00", Kind.BREAK, "Café"),
        Slot(
            "11:00",
            "12:30",
            Kind.ROUND_TABLE,
            "Table ronde : promouvoir la mixité professionnelle dans vos entreprises",
            "Animation : Claire Morvan.",
            speakers=("elodie", "thomas", "maelle", "claire"),
        ),
        Slot("12:30", "12:45", Kind.OTHER, "Conclusion", speakers=("legall",)),
    ),
)

CLASS_VISIT = EventSpec(
    slug="intervention-classe-maintenance",
    title="En classe : les métiers de la maintenance ont-ils un sexe ?",
    event_type=Type.SCHOOL,
    summary=(
        "Une conductrice de ligne et une marraine du numérique racontent leur métier à une "
        "classe de seconde maintenance."
    ),
    description=(
        "<p>Une heure et demie d'échanges avec les élèves : une journée type, ce qui a "
        "surpris, ce qu'on aurait aimé savoir à quinze ans. Les enseignantes et enseignants "
        "inscrivent leur classe en une seule fois.</p>"
    ),
    owner="claire.morvan",
    days_ahead=-15,
    starts="10:00",
    ends="11:30",
    story="class_visit",
    venue_name="Lycée professionnel Pen ar Roz, salle B12",
    address="1 rue des Ajoncs",
    city="Lannvor",
    space="filles-et-numerique",
    organisers=("nadia.belkacem",),
    themes=("girls-career-guidance", "gender-diversity-of-trades"),
    audience="Élèves de seconde et leurs enseignants",
    capacity=30,
    max_seats_per_registration=28,
    slots=(
        Slot("10:00", "11:00", Kind.TALK, "Raconte-moi ton métier", speakers=("elodie", "ines")),
        Slot("11:00", "11:30", Kind.OTHER, "Questions des élèves"),
    ),
)

EVENTS = (
    SEMINAR,
    FULL_WORKSHOP,
    WEBINAR,
    VISIT,
    JOB_DATING,
    TEXTILE_TRAINING,
    STORY_MORNING,
    CLASS_VISIT,
)


# --- Building -----------------------------------------------------------------------------


@dataclass
class EventsSeed:
    created: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)


def _weekday(day: date, step: int = 1) -> date:
    """`day`, or the nearest weekday after it (step 1) or before it (step -1)."""
    while day.weekday() >= 5:
        day += timedelta(days=step)
    return day


def _clock(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours), int(minutes))


@contextmanager
def _dated(when: datetime):
    """Move the notifications sent inside the block to `when` (they would all say "now")."""
    since = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    yield
    Notification.objects.filter(pk__gt=since).update(timestamp=when)


class _Seeder:
    def __init__(self, users: dict[str, User]):
        self.users = users
        self.now = timezone.now()
        self.index = EventIndexPage.objects.get()
        self.spaces = {space.slug: space for space in Space.objects.all()}
        self.clusters = {cluster.slug: cluster for cluster in Cluster.objects.all()}
        self.themes = {theme.slug: theme for theme in Theme.objects.all()}
        self.organisations = {org.slug: org for org in Organisation.objects.all()}
        self._speakers: dict[str, Speaker] = {}

    # --- Pages ------------------------------------------------------------------------------

    def speaker(self, key: str) -> Speaker:
        if key not in self._speakers:
            spec = SPEAKERS[key]
            profile = self.users[spec.login].profile if spec.login else None
            self._speakers[key], _created = Speaker.objects.get_or_create(
                name=spec.name,
                organisation_name=spec.organisation_name,
                defaults={"job_title": spec.job_title, "profile": profile, "bio": spec.bio},
            )
        return self._speakers[key]

    def first_day(self, spec: EventSpec) -> date:
        """The event's first day, with all its days on weekdays; a past event is first built a
        few days ahead."""
        today = utc_to_local(self.now, spec.time_zone).date()
        ahead = spec.days_ahead if spec.days_ahead > 0 else 3
        day = _weekday(today + timedelta(days=ahead))
        while (day + timedelta(days=spec.last_day_offset)).weekday() >= 5:
            day = _weekday(day + timedelta(days=1))
        return day

    def past_day(self, spec: EventSpec) -> date:
        today = utc_to_local(self.now, spec.time_zone).date()
        return _weekday(today + timedelta(days=spec.days_ahead), step=-1)

    def times(self, spec: EventSpec, day: date) -> tuple[datetime, datetime]:
        last_day = day + timedelta(days=spec.last_day_offset)
        return (
            local_to_utc(datetime.combine(day, _clock(spec.starts)), spec.time_zone),
            local_to_utc(datetime.combine(last_day, _clock(spec.ends)), spec.time_zone),
        )

    def page(self, spec: EventSpec) -> EventPage:
        day = self.first_day(spec)
        start, end = self.times(spec, day)
        local = utc_to_local(self.now, spec.time_zone).date()
        opens = closes = None
        if spec.opens_in_days is not None:
            opens_day = local + timedelta(days=spec.opens_in_days)
            opens = local_to_utc(datetime.combine(opens_day, time(9)), spec.time_zone)
        if spec.closes_days_before is not None:
            closes_day = day - timedelta(days=spec.closes_days_before)
            closes = local_to_utc(datetime.combine(closes_day, time(18)), spec.time_zone)
        owner = self.users[spec.owner]
        page = EventPage(
            title=spec.title,
            slug=spec.slug,
            owner=owner,
            event_type=spec.event_type,
            summary=spec.summary,
            description=spec.description,
            start=start,
            end=end,
            time_zone=spec.time_zone,
            format=spec.format,
            venue_name=spec.venue_name,
            address=spec.address,
            city=spec.city,
            country=spec.country,
            online_url=spec.online_url,
            space=self.spaces[spec.space] if spec.space else None,
            cluster=self.clusters[spec.cluster] if spec.cluster else None,
            audience=spec.audience,
            language=spec.language,
            accessibility=spec.accessibility,
            capacity=spec.capacity,
            max_seats_per_registration=spec.max_seats_per_registration,
            registration_opens=opens,
            registration_closes=closes,
            approval=spec.approval,
            claim_window_hours=spec.claim_window_hours,
            id_required=spec.id_required,
        )
        for position, question in enumerate(spec.questions):
            page.questions.add(
                EventQuestion(
                    sort_order=position,
                    label=question.label,
                    help_text=question.help_text,
                    kind=question.kind,
                    choices="\n".join(question.choices),
                    required=question.required,
                )
            )
        for position, slot_spec in enumerate(spec.slots):
            slot = ProgrammeSlot(
                sort_order=position,
                day=day + timedelta(days=1) if slot_spec.second_day else None,
                starts_at=_clock(slot_spec.starts),
                ends_at=_clock(slot_spec.ends),
                kind=slot_spec.kind,
                title=slot_spec.title,
                description=slot_spec.description,
                room=slot_spec.room,
                track=slot_spec.track,
                tables="\n".join(slot_spec.tables),
            )
            slot.speakers.set([self.speaker(key) for key in slot_spec.speakers])
            page.slots.add(slot)
        self.index.add_child(instance=page)
        page.organisers.set([self.users[login] for login in spec.organisers])
        page.themes.set([self.themes[slug] for slug in spec.themes])
        page.save_revision(user=owner).publish(user=owner)
        return EventPage.objects.get(pk=page.pk)

    def move_to_the_past(self, spec: EventSpec, event: EventPage) -> EventPage:
        """Publish the event's real (past) dates; see the module's docstring."""
        event.start, event.end = self.times(spec, self.past_day(spec))
        event.registration_closes = None
        owner = self.users[spec.owner]
        event.save_revision(user=owner).publish(user=owner)
        return EventPage.objects.get(pk=event.pk)

    # --- What happened ------------------------------------------------------------------------

    def answers(self, event: EventPage, by_label: dict[str, str]) -> dict[str, str]:
        ids = dict(EventQuestion.objects.filter(page=event).values_list("label", "pk"))
        return {str(ids[label]): value for label, value in by_label.items()}

    def register(self, event: EventPage, login: str, seats: int = 1, **by_label) -> Registration:
        return services.registration_create(
            event=event,
            user=self.users[login],
            seats=seats,
            answers=self.answers(event, by_label) if by_label else None,
        )

    def organisation_of(self, login: str) -> str:
        organisation = self.users[login].profile.organisation
        return organisation.name if organisation else "Indépendante"

    def date_back(self, event: EventPage, registrations: list[Registration]) -> None:
        """Registrations of a past event were taken weeks before it, and checked in on the day."""
        taken = event.start - timedelta(days=20)
        for position, registration in enumerate(registrations):
            Registration.objects.filter(pk=registration.pk).update(
                created_at=taken + timedelta(days=position // 2, hours=2 * (position % 2))
            )
        arrivals = Registration.objects.filter(event=event, attendance=Attendance.PRESENT)
        for minutes, registration in enumerate(arrivals.order_by("pk")):
            Registration.objects.filter(pk=registration.pk).update(
                checked_in_at=event.start - timedelta(minutes=25 - minutes)
            )
        Feedback.objects.filter(event=event).update(
            created_at=event.end + timedelta(hours=20), updated_at=event.end + timedelta(hours=20)
        )


# --- The stories ------------------------------------------------------------------------------


SEMINAR_DIETS = {
    "hugo.kerbrat": "Végétarien",
    "ines.roussel": "Végétalien",
    "marta.soler": "Végétarien",
    "elena.munteanu": "Sans gluten",
}


def _seminar(s: _Seeder, event: EventPage) -> None:
    people = (
        "maelle.legoff",
        "hugo.kerbrat",
        "sandrine.quere",
        "elodie.marchand",
        "julien.guillou",
        "thomas.lebihan",
        "nadia.belkacem",
        "ines.roussel",
        "pablo.navarro",
        "marta.soler",
        "carmen.ortiz",
        "andrei.popa",
        "elena.munteanu",
        "gwenaelle.tanguy",
    )
    for position, login in enumerate(people):
        answers = {
            "Votre organisation": s.organisation_of(login),
            "Régime alimentaire": SEMINAR_DIETS.get(login, "Aucun"),
        }
        if position % 3 == 0:
            answers["Participerez-vous au dîner du premier soir ?"] = "yes"
        s.register(event, login, **answers)
    # A partner without an account, added by hand by the animator (the organiser's form).
    services.registration_add(
        by=s.users["claire.morvan"],
        event=event,
        guest_name="Yannick Le Floch (Maison de l'emploi du pays malouin)",
        answers=s.answers(
            event,
            {
                "Votre organisation": "Maison de l'emploi du pays malouin",
                "Régime alimentaire": "Aucun",
            },
        ),
    )


def _full_workshop(s: _Seeder, event: EventPage) -> None:
    """Six seats, all taken; Thomas cancels, so Hugo, first in line, is offered his seat."""
    answer = "Apportez-vous une offre d'emploi à retravailler ?"
    confirmed = [
        s.register(event, login, **{answer: "yes"})
        for login in (
            "elodie.marchand",
            "julien.guillou",
            "thomas.lebihan",
            "gwenaelle.tanguy",
            "nadia.belkacem",
            "ines.roussel",
        )
    ]
    for login in ("hugo.kerbrat", "maelle.legoff", "pablo.navarro"):
        s.register(event, login, **{answer: "yes"})
    thomas = next(r for r in confirmed if r.user == s.users["thomas.lebihan"])
    services.registration_cancel(by=s.users["thomas.lebihan"], registration=thomas)


def _webinar(s: _Seeder, event: EventPage) -> None:
    for login in (
        "maelle.legoff",
        "hugo.kerbrat",
        "sandrine.quere",
        "pablo.navarro",
        "marta.soler",
        "gwenaelle.tanguy",
        "carmen.ortiz",
        "elena.munteanu",
    ):
        s.register(event, login)


def _visit(s: _Seeder, event: EventPage) -> None:
    """Every registration waits for approval: Sandrine accepts two, two are still waiting."""
    size = "Pointure (chaussures de sécurité prêtées)"
    sandrine = s.users["sandrine.quere"]
    for login, shoe in (("maelle.legoff", "38"), ("julien.guillou", "43")):
        registration = s.register(event, login, **{size: shoe})
        services.registration_decide(by=sandrine, registration=registration, approve=True)
    s.register(event, "hugo.kerbrat", **{size: "44"})
    s.register(event, "thomas.lebihan", **{size: "42"})


def _nothing_yet(s: _Seeder, event: EventPage) -> None:
    """Registration has not opened yet."""


def _textile(s: _Seeder, event: EventPage) -> None:
    # Andrei comes with the staff representative of his company: one registration, two seats.
    s.register(event, "andrei.popa", seats=2)
    s.register(event, "elena.munteanu")


def _story_morning(s: _Seeder, event: EventPage) -> None:
    spec = STORY_MORNING
    claire = s.users["claire.morvan"]
    taken = event.start - timedelta(days=20)
    with _dated(taken):
        registrations = [
            s.register(event, login)
            for login in (
                "maelle.legoff",
                "hugo.kerbrat",
                "sandrine.quere",
                "elodie.marchand",
                "julien.guillou",
                "sophie.lemoine",
                "ines.roussel",
                "gwenaelle.tanguy",
                "carmen.ortiz",
                "andrei.popa",
            )
        ]
        registrations.append(
            services.registration_add(
                by=claire, event=event, guest_name="Soazig Riou (CIO de Lannvor)"
            )
        )
    event = s.move_to_the_past(spec, event)
    absent = {s.users["hugo.kerbrat"].pk, s.users["andrei.popa"].pk}
    maelle = s.users["maelle.legoff"].pk
    for registration in registrations:
        if registration.user_id == maelle:
            # Her ticket's QR code was scanned at the door; the others were found in the list.
            services.check_in_by_code(by=claire, event=event, code=registration.code)
        else:
            services.attendance_set(
                by=claire,
                registration=registration,
                attendance=Attendance.ABSENT
                if registration.user_id in absent
                else Attendance.PRESENT,
            )
    for login, rating, comment in (
        (
            "maelle.legoff",
            5,
            "Le quiz a fait tomber plusieurs idées reçues dans mon équipe. Je le refais en "
            "interne le mois prochain.",
        ),
        (
            "sandrine.quere",
            4,
            "Très bonne table ronde. L'atelier sur les offres d'emploi était trop court pour "
            "aller jusqu'à la réécriture.",
        ),
        ("elodie.marchand", 5, ""),
        (
            "julien.guillou",
            4,
            "Utile pour nos conseillères. Il manquait des chiffres sur notre territoire.",
        ),
    ):
        services.feedback_submit(user=s.users[login], event=event, rating=rating, comment=comment)
    services.report_update(
        by=claire,
        event=event,
        organisations=[
            s.organisations[slug]
            for slug in (
                "conserverie-kerlann",
                "verrerie-de-lannvor",
                "lannvor-agglomeration",
                "ty-conseil-egalite",
                "numerikelles",
                "tapizados-del-turia",
            )
        ],
        other_organisations="CIO de Lannvor\nCollège Anita-Conti",
        outcomes=(
            "Deux fiches pratiques en préparation : « Le quiz de la mixité » et « Réécrire une "
            "offre d'emploi en cinq questions ».\n"
            "La conserverie Kerlann et la verrerie testent une offre réécrite chacune d'ici la "
            "fin du trimestre.\n"
            "Le lycée accueille deux marraines dans ses classes de seconde."
        ),
        lessons=(
            "Vingt-cinq minutes par atelier, c'est trop court : prévoir quarante-cinq minutes "
            "pour aller jusqu'à la réécriture.\n"
            "La retransmission a permis à une entreprise espagnole de suivre : à refaire, avec "
            "un temps de questions pour les personnes à distance."
        ),
        recording_url="https://video.demo.egalite.example/raconte-moi-ton-metier",
    )
    s.date_back(event, registrations)


def _class_visit(s: _Seeder, event: EventPage) -> None:
    nadia = s.users["nadia.belkacem"]
    with _dated(event.start - timedelta(days=20)):
        # Thomas registers his class in one go: himself and twenty-three pupils.
        registrations = [
            s.register(event, "thomas.lebihan", seats=24),
            s.register(event, "julien.guillou"),
        ]
    event = s.move_to_the_past(CLASS_VISIT, event)
    for registration in registrations:
        services.attendance_set(by=nadia, registration=registration, attendance=Attendance.PRESENT)
    services.feedback_submit(
        user=s.users["thomas.lebihan"],
        event=event,
        rating=5,
        comment="Les élèves ont posé des questions pendant une demi-heure. Trois filles de "
        "troisième ont demandé à visiter l'atelier.",
    )
    services.report_update(
        by=nadia,
        event=event,
        organisations=[s.organisations["lycee-pen-ar-roz"], s.organisations["numerikelles"]],
        outcomes="Une visite de la verrerie est proposée à la classe au printemps.",
        lessons="Venir à deux, dont une personne proche de l'âge des élèves, libère la parole.",
    )
    s.date_back(event, registrations)


STORIES: dict[str, Callable[[_Seeder, EventPage], None]] = {
    "seminar": _seminar,
    "full_workshop": _full_workshop,
    "webinar": _webinar,
    "visit": _visit,
    "nothing_yet": _nothing_yet,
    "textile": _textile,
    "story_morning": _story_morning,
    "class_visit": _class_visit,
}


def seed_events(users: dict[str, User]) -> EventsSeed:
    """Create the demo events missing for `users` (demo login -> account); returns what it did.

    Each event is built in its own savepoint: one the rules refuse (the demo was changed by
    hand) is left out whole and reported; the others still go in.
    """
    result = EventsSeed()
    seeder = _Seeder(users)
    existing = set(EventPage.objects.values_list("slug", flat=True))
    for spec in EVENTS:
        if spec.slug in existing:
            result.skipped += 1
            continue
        try:
            with transaction.atomic():
                event = seeder.page(spec)
                STORIES[spec.story](seeder, event)
        except (PermissionDenied, ValidationError, KeyError) as error:
            result.problems.append(f"{spec.title}: {error}")
            continue
        result.created += 1
    return result
