"""The demo practice library: practice sheets, interviews, video capsules and the toolbox.

The sheets tell, in the demo world's terms, what the clusters' own documents describe: the
European programme that equips SMEs through their clusters, the six-month "Clusters Égalité"
in Brittany, a territory's plan to open industrial trades to women with an in-company women's
network, a programme taking a class of girls towards digital trades, the "Raconte-moi ton
métier" workshops and a territorial jobs-and-skills approach, with two other clusters
adapting these ideas. Every organisation and person is the demo's own; the programmes that
inspired them are named where a sheet says so.

Published items are created through Wagtail's API (`add_child`, `save_revision().publish()`)
by their author, published by the platform's staff account, then dated back so that the
library reads as built over three months. Two sheets have an English version (a page of the
`en` locale sharing the original's `translation_key`); the original of one of them was
republished after its translation, so its page shows the "original changed" notice.

Members' contributions go through `services.contributions`, as on the site: Maëlle's sheet
waits for Claire's review, Hugo's is a draft, Thomas's came back with changes requested.
Adoptions go through `services.adoptions`, documents through `services.documents`, which
check each file by its content. Covers (Pillow) and documents (reportlab PDFs, a CSV template,
a text checklist) are generated here, so no binary file lives in the repository. The trainer
kit's documents sit in a collection private to the programme's steering committee: a
non-member sees the item, and a lock on its documents.

Two demo events present practices (a new revision of each, published by its owner) and two
forum topics get a reply linking to a sheet (`forum.services`), so item pages list where they
are cited.

An item whose slug already exists is skipped, as are a contribution already written (same
author and title), an adoption already declared, an event already presenting practices and a
topic already linking to the item: running the seed again adds nothing.
"""

import csv
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from wagtail.models import Collection, Locale, Page, PageLogEntry, ReferenceIndex, Revision
from wagtail.signal_handlers import disable_reference_index_auto_update

from community.library.models import (
    Adoption,
    InterviewPage,
    LibraryDocument,
    LibraryIndexPage,
    LibraryItem,
    PracticeContact,
    PracticeDocument,
    PracticeIndicator,
    PracticeObstacle,
    PracticeSheetPage,
    PracticeStakeholder,
    PracticeStep,
    PracticeVideo,
    PrivateCollection,
    ToolboxDocument,
    ToolboxItemPage,
    VideoCapsulePage,
)
from community.library.permissions import EXPERT_GROUP
from community.models import Organisation, Sector, Space, Theme, User

Actor = LibraryItem.ActorType
Code = PracticeIndicator.Code
ToolKind = ToolboxItemPage.ToolKind

PUBLISHER = "admin"  # the platform's staff account publishes the collected practices
REVIEWER = "claire.morvan"
EXPERT = "sophie.lemoine"

LIBRARY_COLLECTION = "Bibliothèque des pratiques"
TOOLBOX_COLLECTION = "Boîte à outils"
PRIVATE_KIT_COLLECTION = "Kit formateur – sessions pilotes"
PRIVATE_KIT_SPACE = "comite-de-pilotage"

# --- What a sheet is made of ------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    title: str
    description: str


@dataclass(frozen=True)
class Obstacle:
    obstacle: str
    response: str


@dataclass(frozen=True)
class Stakeholder:
    role: str
    organisation: str = ""  # a demo organisation's slug: the sheet links to it
    name: str = ""  # a stakeholder that is not on the platform


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    value: int
    unit: str = ""


@dataclass(frozen=True)
class Contact:
    login: str
    role: str


@dataclass(frozen=True)
class Facets:
    themes: tuple[str, ...]
    sectors: tuple[str, ...]
    country: str
    region: str
    actor_type: str
    spaces: tuple[str, ...]
    featured: bool = False


@dataclass(frozen=True)
class Cover:
    """A generated cover: shapes of `accent` on `background`; `alt` describes it."""

    background: str
    accent: str
    motif: str
    alt: str


@dataclass(frozen=True)
class SheetSpec:
    slug: str
    title: str
    author: str
    days_ago: int
    summary: str
    observation: str
    steps: tuple[Step, ...]
    objectives: str
    obstacles: tuple[Obstacle, ...]
    stakeholders: tuple[Stakeholder, ...]
    indicators: tuple[Indicator, ...]
    results: str
    lessons: str
    did_not_work: str
    contacts: tuple[Contact, ...]
    facets: Facets
    start_year: int
    end_year: int | None = None
    cover: Cover | None = None
    documents: tuple[str, ...] = ()  # keys of DOCUMENTS
    videos: tuple[tuple[str, str], ...] = ()  # (title, address)


# --- The published sheets ---------------------------------------------------------------------

PROGRAMME = SheetSpec(
    slug="programme-europeen-pme-clusters",
    title="Outiller les PME par les clusters : le programme européen pour l'égalité",
    author="sophie.lemoine",
    days_ago=64,
    summary=(
        "Trois clusters et une coopérative de conseil mettent en commun pratiques, entretiens, "
        "vidéos et formations, pour que les PME, souvent démunies face à l'égalité entre femmes "
        "et hommes, passent à l'action avec l'appui de leur cluster."
    ),
    observation=(
        "<p>Les grandes entreprises sont toujours plus nombreuses à se doter d'une politique "
        "d'égalité entre les femmes et les hommes. Les PME, elles, manquent de temps et de "
        "méthode : beaucoup ne savent pas par où commencer.</p>"
        "<p>Partout en Europe, des clusters sensibilisent, forment ou proposent déjà des outils "
        "à leurs entreprises, mais chacun de son côté, sans mettre ses supports en commun.</p>"
    ),
    steps=(
        Step(
            "Former les équipes des clusters",
            "Les animatrices et animateurs des trois clusters se sont approprié les enjeux de "
            "l'égalité et ce qu'elle apporte aux entreprises et à leurs partenaires, à partir "
            "de bonnes pratiques recueillies, d'entretiens et d'un guide d'outils.",
        ),
        Step(
            "Produire des contenus pour les PME",
            "Fiches, capsules vidéo et modèles prêts à l'emploi, pensés pour des dirigeantes "
            "et des dirigeants qui ont peu de temps à y consacrer.",
        ),
        Step(
            "Ouvrir un espace d'apprentissage en ligne",
            "Un environnement gratuit pendant cinq ans, où les PME trouvent tous les supports, "
            "suivent des formations qui s'ajustent à leur niveau et prennent la forme de jeux, "
            "et travaillent ensemble.",
        ),
        Step(
            "Donner aux clusters une méthode pour former eux-mêmes",
            "Un guide pour les formatrices, formateurs et facilitateurs, et une boîte à outils "
            "pour organiser les sessions, mis à l'épreuve lors de sessions pilotes dans chaque "
            "cluster.",
        ),
    ),
    objectives=(
        "<p>Faire des clusters le relais qui manquait entre les politiques d'égalité et les "
        "PME, avec une démarche nouvelle, construite à l'échelle européenne.</p>"
        "<ul><li>Des outils et des contenus de formation communs, libres d'accès.</li>"
        "<li>Des clusters capables de former directement leurs entreprises.</li>"
        "<li>Un effet démultiplié par la coordination entre pays.</li></ul>"
    ),
    obstacles=(
        Obstacle(
            "Amener un maximum de clusters européens à s'emparer des outils et à les proposer "
            "à leurs PME",
            "Des contenus gratuits et traduits, un espace en ligne ouvert pendant cinq ans et "
            "un séminaire de capitalisation ouvert à tous les publics pour faire connaître la "
            "démarche au-delà des partenaires.",
        ),
        Obstacle(
            "Des dirigeantes et dirigeants de PME qui n'ont pas le temps de suivre une "
            "formation longue",
            "Des modules courts, des capsules de moins de cinq minutes et des sessions "
            "organisées dans les locaux du cluster, près des entreprises.",
        ),
    ),
    stakeholders=(
        Stakeholder("Coordination du programme et conception des formations", "ty-conseil-egalite"),
        Stakeholder(
            "Cluster partenaire en Bretagne, recueil des pratiques", "armor-travail-egalite"
        ),
        Stakeholder("Cluster partenaire de l'ameublement (Espagne)", "asociacion-mueble-levante"),
        Stakeholder("Cluster partenaire du textile (Roumanie)", "asociatia-textil-carpati"),
        Stakeholder(
            "Diffusion auprès des clusters des autres régions",
            name="Réseau national des clusters",
        ),
        Stakeholder(
            "Conception pédagogique de l'espace en ligne",
            name="Cabinet de conseil en entrepreneuriat des femmes (Autriche)",
        ),
    ),
    indicators=(
        Indicator(Code.OTHER, "Fiches de bonnes pratiques rédigées", 30, "fiches"),
        Indicator(Code.OTHER, "Entretiens réalisés", 20, "entretiens"),
        Indicator(Code.TRAININGS, "Sessions pilotes de formation", 3, "sessions"),
        Indicator(Code.COMPANIES, "PME présentes aux sessions pilotes", 27, "PME"),
    ),
    results=(
        "<p>Plus de trente bonnes pratiques et vingt entretiens ont été recueillis. Ils montrent "
        "tout ce qu'entreprennent clusters, entreprises et pouvoirs publics, et le désir de "
        "celles et ceux qui les ont menées de les voir reprises ailleurs, d'abord par des "
        "PME.</p>"
        "<p>La boîte à outils destinée aux PME sera bientôt terminée, et les vidéos comme les "
        "supports de formation seront en ligne avant la fin de 2025.</p>"
    ),
    lessons=(
        "<p>Une pratique se transmet mieux quand celles et ceux qui l'ont menée la racontent : "
        "les entretiens ont souvent plus convaincu que les fiches.</p>"
        "<p>Écrire le guide des formateurs avant les contenus aurait fait gagner du temps : "
        "c'est le déroulé d'une session qui fixe la longueur des supports.</p>"
    ),
    did_not_work=(
        "<p>Le premier questionnaire en ligne envoyé aux PME a été très peu rempli : trop long, "
        "et adressé sans relance personnelle. Des entretiens en face à face l'ont remplacé.</p>"
    ),
    contacts=(
        Contact("sophie.lemoine", "Coordinatrice du programme"),
        Contact("claire.morvan", "Animatrice du Cluster Égalité Armor"),
    ),
    facets=Facets(
        themes=("career-paths", "gender-diversity-of-trades"),
        sectors=("business-services", "furniture-wood", "textile"),
        country="FR",
        region="Bretagne",
        actor_type=Actor.CLUSTER,
        spaces=("comite-de-pilotage", "reseau-referents-egalite"),
        featured=True,
    ),
    start_year=2022,
    end_year=2025,
    cover=Cover("#1d3557", "#f4a261", "circles", "Cercles orangés sur fond bleu nuit"),
)

CLUSTERS_EGALITE = SheetSpec(
    slug="clusters-egalite-bretagne",
    title="Clusters Égalité : six mois en collectif pour passer du diagnostic à l'accord",
    author="claire.morvan",
    days_ago=92,
    summary=(
        "Vingt et une entreprises bretonnes, accompagnées ensemble pendant six mois, ont mesuré "
        "leurs écarts entre femmes et hommes et préparé un accord ou un plan d'action égalité, "
        "en binôme direction et représentants du personnel."
    ),
    observation=(
        "<p>Quand l'État a retenu quelques régions pilotes pour expérimenter de nouvelles façons "
        "de faire progresser l'égalité professionnelle, la Bretagne s'est portée volontaire. Un "
        "constat revenait chez les entreprises : elles disposent de chiffres, mais ne les lisent "
        "jamais sous l'angle des écarts entre femmes et hommes.</p>"
        "<p>Seules, les PME s'en tiennent souvent à l'obligation légale, et l'égalité reste un "
        "sujet rare du dialogue social.</p>"
    ),
    steps=(
        Step(
            "Lancer un appel aux entreprises volontaires",
            "Avec les services de l'État en région chargés du travail et des droits des femmes, "
            "l'association a invité les entreprises de tous les secteurs à suivre un parcours "
            "de six mois.",
        ),
        Step(
            "Former un binôme et un groupe de travail",
            "Dans chaque entreprise, une personne de la direction et une représentante ou un "
            "représentant du personnel ont porté la démarche ensemble, entourés d'un groupe de "
            "travail dédié.",
        ),
        Step(
            "Alterner temps collectifs et appui individuel",
            "Des séances réunissant toutes les entreprises pour partager méthodes et "
            "expériences et, entre elles, un accompagnement sur place par les chargées de "
            "mission.",
        ),
        Step(
            "Diagnostiquer les écarts sur quatre axes",
            "Mixité des emplois, parcours professionnels, conditions de travail et risques "
            "professionnels, temps de travail : c'est là que naissent la plupart des "
            "inégalités de paie, de santé et de déroulement de carrière.",
        ),
        Step(
            "Négocier un accord ou écrire un plan d'action",
            "Chaque entreprise a choisi ses domaines d'action puis préparé un accord collectif "
            "ou, à défaut, un plan d'action à déposer auprès de l'administration du travail.",
        ),
    ),
    objectives=(
        "<ul><li>Aider chaque entreprise à mesurer précisément ce qui sépare la situation des "
        "femmes de celle des hommes.</li>"
        "<li>Se mettre en mesure de négocier un accord, ou de rédiger un plan d'action "
        "égalité.</li>"
        "<li>Faire de l'égalité un sujet de dialogue social, et pas seulement une "
        "obligation.</li></ul>"
    ),
    obstacles=(
        Obstacle(
            "Mobiliser des entreprises qui ne se sentent pas concernées",
            "Le relais des services de l'État en région, pour le travail comme pour les droits "
            "des femmes, a beaucoup facilité les inscriptions.",
        ),
        Obstacle(
            "Des données disponibles mais jamais analysées selon le sexe",
            "Des outils de diagnostic fournis clés en main, remplis avec le groupe de travail "
            "et l'appui des chargées de mission.",
        ),
        Obstacle(
            "La crainte d'un simple exercice de conformité",
            "Partir des situations de travail réelles (qualité de vie, conditions de travail, "
            "horaires) plutôt que des seuls indicateurs légaux.",
        ),
    ),
    stakeholders=(
        Stakeholder("Conception et animation du parcours", "armor-travail-egalite"),
        Stakeholder("Entreprise participante de plus de 300 salariés", "verrerie-de-lannvor"),
        Stakeholder(
            "Financement et mobilisation des entreprises",
            name="Délégation régionale aux droits des femmes et à l'égalité",
        ),
        Stakeholder(
            "Relais auprès des entreprises, dépôt des accords",
            name="Services régionaux de l'État chargés du travail",
        ),
        Stakeholder("Cofinancement", name="Fonds social européen"),
    ),
    indicators=(
        Indicator(Code.COMPANIES, "Entreprises accompagnées", 21, "entreprises"),
        Indicator(Code.COMPANIES, "dont PME", 19, "PME"),
        Indicator(Code.AGREEMENTS, "Accords égalité signés", 6, "accords"),
        Indicator(Code.OTHER, "Plans d'action déposés", 2, "plans"),
        Indicator(Code.OTHER, "Accords en préparation à la fin du parcours", 4, "accords"),
        Indicator(Code.OTHER, "Plans d'action en préparation à la fin du parcours", 3, "plans"),
    ),
    results=(
        "<p>Au terme du parcours, six accords étaient signés et deux plans d'action déposés ; "
        "quatre autres accords et trois plans étaient en préparation.</p>"
        "<p>Les entreprises ont retenu davantage de domaines d'action que la loi n'en exige, "
        "notamment la qualité de vie et les conditions de travail : le signe d'un réel "
        "engagement des équipes mobilisées.</p>"
    ),
    lessons=(
        "<p>Le binôme direction–représentants du personnel change la nature de l'échange : "
        "l'égalité devient un sujet commun, et non la demande d'un seul camp.</p>"
        "<p>Les groupes de travail font remonter des situations que les chiffres ne montrent "
        "pas. Réunir des entreprises de secteurs différents enrichit les échanges plus qu'il ne "
        "les disperse.</p>"
    ),
    did_not_work=(
        "<p>Six mois, c'est court pour négocier : plusieurs entreprises n'avaient pas abouti à "
        "la date prévue, et il a fallu ajouter un point d'étape trois mois après la fin du "
        "parcours.</p>"
    ),
    contacts=(
        Contact("claire.morvan", "Animatrice du cluster, chargée de mission"),
        Contact("sandrine.quere", "Référente d'une entreprise participante"),
    ),
    facets=Facets(
        themes=("pay-equality-index", "working-conditions", "career-paths"),
        sectors=("business-services", "manufacturing", "agri-food"),
        country="FR",
        region="Bretagne",
        actor_type=Actor.ASSOCIATION,
        spaces=("reseau-referents-egalite",),
        featured=True,
    ),
    start_year=2014,
    end_year=2015,
    cover=Cover("#2a9d8f", "#e9c46a", "grid", "Carrés jaune sable en damier sur fond vert d'eau"),
    documents=("calendrier-clusters-egalite",),
)

# Added to the original after its English version was written: the English page says that its
# original changed.
CLUSTERS_EGALITE_UPDATE = (
    "<p>Depuis, la méthode sert de trame à l'accompagnement de six mois que le cluster textile "
    "propose à ses ateliers de confection (voir la fiche sur le diagnostic en quatre axes).</p>"
)

TERRITORY_PLAN = SheetSpec(
    slug="plan-territoire-metiers-industriels",
    title="Un plan de territoire pour ouvrir les métiers industriels aux femmes",
    author="julien.guillou",
    days_ago=41,
    summary=(
        "Autour de Lannvor, l'agglomération, le lycée des métiers, une verrerie et des "
        "associations font connaître l'industrie aux filles, aident les entreprises à recruter "
        "des femmes et outillent les prescripteurs de l'emploi et de la formation."
    ),
    observation=(
        "<p>Les entreprises industrielles du pays de Lannvor peinent à recruter, et les "
        "formations techniques du lycée restent presque entièrement masculines. Sur ce "
        "territoire où l'on a l'habitude de travailler ensemble, ouvrir les filières aux femmes "
        "est apparu comme une réponse commune.</p>"
        "<p>La démarche s'inspire du plan conduit autour de Saint-Omer par le Territoire "
        "d'industrie Flandre – Pays de Saint-Omer et le campus des métiers et des "
        "qualifications de l'industrie des Hauts-de-France.</p>"
    ),
    steps=(
        Step(
            "Créer un réseau de femmes dans l'entreprise",
            "À la Verrerie de Lannvor, le réseau « Les Verrières » appuie les services pour "
            "donner plus de place aux femmes, lance des actions et intervient dans les collèges "
            "et lycées.",
        ),
        Step(
            "Signer une convention avec une association d'orientation des filles",
            "L'agglomération et le réseau de la verrerie se sont engagés auprès d'une "
            "association qui accompagne des lycéennes vers les filières scientifiques et "
            "techniques.",
        ),
        Step(
            "S'associer à un réseau de femmes ingénieures",
            "Des ingénieures et des techniciennes bénévoles viennent montrer aux élèves ce que "
            "les carrières industrielles et techniques leur offrent.",
        ),
        Step(
            "Tourner des portraits vidéo de femmes de l'industrie",
            "Sept portraits tournés dans quatre entreprises, que les conseillères et conseillers "
            "de l'emploi et de la formation utilisent avec leurs publics.",
        ),
    ),
    objectives=(
        "<p>Sensibiliser trois publics à la fois :</p>"
        "<ul><li>les filles, pour élargir leurs choix de formation et de métier ;</li>"
        "<li>les entreprises qui veulent féminiser leurs équipes ;</li>"
        "<li>les prescripteurs d'emploi et de formation, pour qu'ils proposent l'industrie aux "
        "femmes, en insertion comme en reconversion.</li></ul>"
    ),
    obstacles=(
        Obstacle(
            "Les représentations des métiers industriels, dans les familles comme dans les "
            "entreprises",
            "Des témoignages de femmes en poste, répétés dans la durée : les mentalités "
            "changent peu à peu, pas en une seule campagne.",
        ),
        Obstacle(
            "Des actions portées par de nombreux partenaires, difficiles à suivre",
            "L'agglomération tient un décompte unique des personnes sensibilisées par "
            "l'ensemble des actions.",
        ),
    ),
    stakeholders=(
        Stakeholder("Pilotage du plan, suivi des personnes sensibilisées", "lannvor-agglomeration"),
        Stakeholder("Lycée des métiers, accueil des interventions", "lycee-pen-ar-roz"),
        Stakeholder("Réseau interne « Les Verrières »", "verrerie-de-lannvor"),
        Stakeholder(
            "Convention de partenariat, accompagnement de lycéennes",
            name="Association d'orientation des filles vers les sciences",
        ),
        Stakeholder("Interventions en classe", name="Réseau de femmes ingénieures"),
        Stakeholder(
            "Tournage des portraits vidéo", name="Centre régional pour la mixité des métiers"
        ),
        Stakeholder("Appui aux entreprises", name="Agence de développement du pays de Lannvor"),
        Stakeholder("Cofinancement", name="Région Bretagne"),
    ),
    indicators=(
        Indicator(Code.PEOPLE_SENSITISED, "Personnes sensibilisées", 1240, "personnes"),
        Indicator(Code.OTHER, "Portraits vidéo de femmes", 7, "portraits"),
        Indicator(Code.COMPANIES, "Entreprises ayant accueilli un tournage", 4, "entreprises"),
        Indicator(Code.AGREEMENTS, "Conventions de partenariat signées", 2, "conventions"),
    ),
    results=(
        "<p>Les entreprises ont bien accueilli les initiatives : face aux difficultés de "
        "recrutement, dans leurs équipes comme dans les formations, toute piste est bonne à "
        "prendre. Les portraits vidéo circulent désormais chez les prescripteurs et dans les "
        "classes.</p>"
    ),
    lessons=(
        "<p>Quand l'enjeu est porté par le territoire, chacun se sent concerné : "
        "l'agglomération, les écoles et les entreprises avancent ensemble au lieu de multiplier "
        "les actions isolées.</p>"
        "<p>Le principal frein reste celui des mentalités ; il se travaille dans la durée.</p>"
    ),
    did_not_work=(
        "<p>Les premières interventions en classe, assurées par des cadres, ont moins marqué les "
        "élèves que celles des opératrices et des conductrices de ligne : le plan privilégie "
        "désormais les témoignages de femmes en production.</p>"
    ),
    contacts=(
        Contact("julien.guillou", "Chargé de mission emplois et compétences"),
        Contact("sandrine.quere", "Cofondatrice du réseau « Les Verrières »"),
    ),
    facets=Facets(
        themes=("industry", "gender-diversity-of-trades", "girls-career-guidance"),
        sectors=("manufacturing", "education-training", "public-sector"),
        country="FR",
        region="Bretagne",
        actor_type=Actor.PUBLIC_BODY,
        spaces=("recruter-sans-stereotypes",),
    ),
    start_year=2021,
    cover=Cover("#6d597a", "#f28482", "stripes", "Bandes obliques roses sur fond prune"),
    videos=(
        (
            "Portrait : Élodie, conductrice de ligne",
            "https://videos.egalite-clusters.example/w/7QmTzXhJvR2cN4pLbW9sKe",
        ),
    ),
)

VERRIERES = SheetSpec(
    slug="reseau-les-verrieres",
    title="« Les Verrières » : un réseau de femmes au cœur de l'usine",
    author="sandrine.quere",
    days_ago=33,
    summary=(
        "Le réseau interne de la Verrerie de Lannvor appuie les services, encourage les "
        "salariées à viser plus haut et va raconter les métiers du verre dans les collèges et "
        "au lycée des métiers."
    ),
    observation=(
        "<p>À la verrerie, les femmes sont nombreuses dans les services support et rares en "
        "production comme en maintenance. Les candidatures féminines sont peu nombreuses, et les "
        "salariées en poste dans les ateliers se sentent parfois isolées.</p>"
    ),
    steps=(
        Step(
            "Réunir un premier cercle de volontaires",
            "Une dizaine de salariées de tous les services, avec le soutien affiché de la "
            "direction dès la première rencontre.",
        ),
        Step(
            "Travailler avec les services",
            "Le réseau appuie les ressources humaines et les ateliers : rendre visibles les "
            "femmes en poste, relire les offres d'emploi, faire remonter les difficultés.",
        ),
        Step(
            "Donner de l'ambition",
            "Rencontres avec des cadres, parrainages et entretiens de carrière, pour que les "
            "salariées osent se porter candidates aux postes d'encadrement.",
        ),
        Step(
            "Aller dans les établissements scolaires",
            "Des binômes de salariées racontent leur métier dans les collèges et au lycée des "
            "métiers, et accueillent des classes à l'usine.",
        ),
    ),
    objectives=(
        "<ul><li>Promouvoir la place des femmes dans tous les métiers de la verrerie.</li>"
        "<li>Susciter et soutenir des actions concrètes dans les services.</li>"
        "<li>Montrer aux collégiennes et aux lycéennes que l'industrie leur est ouverte.</li></ul>"
    ),
    obstacles=(
        Obstacle(
            "Le temps des salariées engagées, pris sur leur travail",
            "Des heures reconnues par la direction pour les interventions, planifiées avec les "
            "chefs d'équipe.",
        ),
        Obstacle(
            "La crainte d'un réseau « entre femmes » mal compris par les collègues",
            "Des rencontres ouvertes à toutes et à tous, et des actions qui profitent à "
            "chacun, comme l'aménagement des postes.",
        ),
    ),
    stakeholders=(
        Stakeholder("Entreprise porteuse du réseau", "verrerie-de-lannvor"),
        Stakeholder("Partenaire du plan de territoire", "lannvor-agglomeration"),
        Stakeholder("Accueil des interventions et des visites", "lycee-pen-ar-roz"),
        Stakeholder(
            "Convention de partenariat",
            name="Association d'orientation des filles vers les sciences",
        ),
    ),
    indicators=(
        Indicator(
            Code.PEOPLE_SENSITISED, "Élèves rencontrés lors des interventions", 380, "élèves"
        ),
        Indicator(Code.OTHER, "Membres du réseau", 34, "membres"),
        Indicator(Code.WOMEN_RECRUITED, "Femmes recrutées en production en deux ans", 11, "femmes"),
        Indicator(
            Code.OTHER, "Interventions dans des établissements scolaires", 18, "interventions"
        ),
    ),
    results=(
        "<p>Le réseau est devenu l'interlocuteur naturel des ressources humaines sur la mixité. "
        "Deux salariées de production sont devenues cheffes d'équipe, et les visites de classes "
        "figurent désormais au calendrier de l'usine.</p>"
    ),
    lessons=(
        "<p>Un réseau tient quand la direction le soutient publiquement et que ses membres en "
        "retirent quelque chose pour leur propre parcours.</p>"
    ),
    did_not_work=(
        "<p>La lettre mensuelle du réseau a été abandonnée après trois numéros : peu lue en "
        "production, où les écrans sont rares. Les panneaux des vestiaires et les réunions "
        "d'équipe fonctionnent mieux.</p>"
    ),
    contacts=(
        Contact("sandrine.quere", "Cofondatrice du réseau"),
        Contact("elodie.marchand", "Membre du réseau, intervient dans les collèges"),
    ),
    facets=Facets(
        themes=("industry", "gender-diversity-of-trades", "career-paths"),
        sectors=("manufacturing",),
        country="FR",
        region="Bretagne",
        actor_type=Actor.SME,
        spaces=("recruter-sans-stereotypes",),
    ),
    start_year=2020,
    cover=Cover("#264653", "#8ecae6", "triangles", "Triangles bleu ciel sur fond bleu pétrole"),
)

GIRLS_DIGITAL = SheetSpec(
    slug="promotion-lyceennes-numerique",
    title="Une promotion de lycéennes pour découvrir les métiers du numérique",
    author="nadia.belkacem",
    days_ago=26,
    summary=(
        "Chaque année, Numérik'Elles accompagne une promotion de filles de 14 à 17 ans : "
        "ateliers, coaching, soutien scolaire et rencontres avec des professionnelles "
        "bénévoles, pour qu'elles osent les filières du numérique."
    ),
    observation=(
        "<p>Les filles restent très minoritaires dans les formations du numérique, souvent faute "
        "d'y avoir jamais pensé. Leurs choix d'orientation se jouent tôt, et elles rencontrent "
        "rarement des femmes qui exercent ces métiers.</p>"
        "<p>Le programme reprend le modèle de Wi-Filles, créé en 2014 par le club FACE de "
        "Seine-Saint-Denis et lauréat de La France s'engage : un parcours long et personnalisé "
        "plutôt qu'une intervention ponctuelle.</p>"
    ),
    steps=(
        Step(
            "Constituer la promotion",
            "Des lycéennes de 14 à 17 ans, repérées avec les établissements partenaires, "
            "s'engagent pour une année scolaire.",
        ),
        Step(
            "Acquérir des compétences",
            "Ateliers de code, de design et de cybersécurité pour comprendre, utiliser et créer "
            "des contenus et des outils numériques.",
        ),
        Step(
            "Accompagner chaque participante",
            "Coaching, soutien scolaire et marrainage par une professionnelle, pour lever ce qui "
            "retient de choisir une filière scientifique ou technique.",
        ),
        Step(
            "Rencontrer les entreprises",
            "Visites et échanges avec des professionnelles et des professionnels du numérique "
            "qui animent bénévolement ateliers et rencontres.",
        ),
        Step(
            "Essaimer sur d'autres territoires",
            "Après les premières promotions, le programme se déploie avec d'autres associations "
            "partenaires, sur le même modèle.",
        ),
    ),
    objectives=(
        "<ul><li>Donner aux participantes les bases d'une culture numérique : se servir des "
        "outils, les comprendre, en fabriquer.</li>"
        "<li>Leur faire découvrir les débouchés du secteur et élargir leurs choix "
        "d'orientation.</li>"
        "<li>Les aider à mieux se connaître et à lever les freins qui les écartent des filières "
        "scientifiques et techniques.</li>"
        "<li>Déconstruire les stéréotypes et promouvoir l'égalité entre filles et garçons.</li>"
        "</ul>"
    ),
    obstacles=(
        Obstacle(
            "Garder les participantes mobilisées toute l'année",
            "Un suivi personnel par une marraine et des rendez-vous réguliers, plutôt qu'une "
            "suite d'ateliers sans lien.",
        ),
        Obstacle(
            "Trouver assez de professionnelles disponibles",
            "Le mécénat de compétences d'entreprises du secteur, et un planning des ateliers "
            "fixé dès la rentrée.",
        ),
    ),
    stakeholders=(
        Stakeholder("Porteuse du programme", "numerikelles"),
        Stakeholder("Établissement partenaire", "lycee-pen-ar-roz"),
        Stakeholder(
            "Mécénat et interventions de salariées", name="Constructeur informatique mécène"
        ),
        Stakeholder(
            "Accueil des visites, marraines bénévoles",
            name="Entreprises du numérique de la région",
        ),
    ),
    indicators=(
        Indicator(Code.WOMEN_RECRUITED, "Lycéennes accompagnées", 50, "lycéennes"),
        Indicator(
            Code.PEOPLE_SENSITISED,
            "Élèves sensibilisés par des actions ponctuelles",
            1000,
            "élèves",
        ),
        Indicator(Code.TRAININGS, "Ateliers animés dans l'année", 24, "ateliers"),
    ),
    results=(
        "<p>Une cinquantaine de lycéennes ont suivi le parcours lors des premières promotions. "
        "Au fil de l'année scolaire, plus d'un millier d'élèves ont en outre été sensibilisés à "
        "l'égalité entre filles et garçons et au numérique par des actions plus courtes.</p>"
    ),
    lessons=(
        "<p>La durée fait la différence : une intervention isolée ouvre une porte, un parcours "
        "d'un an donne l'assurance de la franchir.</p>"
        "<p>Les professionnelles bénévoles sont le cœur du programme : leur engagement se "
        "prépare, et se remercie.</p>"
    ),
    did_not_work=(
        "<p>Les ateliers du mercredi après-midi entraient en concurrence avec le sport et les "
        "autres activités : plusieurs participantes ont décroché. Ils ont lieu désormais pendant "
        "les vacances scolaires, par demi-journées.</p>"
    ),
    contacts=(
        Contact("nadia.belkacem", "Coordinatrice de Numérik'Elles"),
        Contact("ines.roussel", "Marraine bénévole"),
    ),
    facets=Facets(
        themes=("girls-career-guidance", "digital"),
        sectors=("digital", "education-training"),
        country="FR",
        region="Bretagne",
        actor_type=Actor.ASSOCIATION,
        spaces=("filles-et-numerique",),
        featured=True,
    ),
    start_year=2019,
    cover=Cover("#3a0ca3", "#4cc9f0", "dots", "Points cyan alignés sur fond indigo"),
)

STORY_WORKSHOPS = SheetSpec(
    slug="ateliers-raconte-moi-ton-metier",
    title="« Raconte-moi ton métier » : des ateliers pour parler des métiers sans stéréotypes",
    author="claire.morvan",
    days_ago=19,
    summary=(
        "Une matinée d'ateliers pour repérer les stéréotypes dans la façon de présenter un "
        "métier, réécrire des offres d'emploi et entendre des professionnelles et des "
        "professionnels qui sortent des sentiers battus."
    ),
    observation=(
        "<p>La ségrégation des métiers recule depuis trente ans, mais les femmes restent plus "
        "exposées aux contrats précaires, aux écarts de salaire et au chômage. Les "
        "représentations genrées des professions pèsent dès l'orientation des élèves.</p>"
        "<p>La façon dont on raconte un métier n'est jamais neutre : elle attire ou décourage "
        "selon le sexe, et peut freiner l'accomplissement de chacune et de chacun.</p>"
    ),
    steps=(
        Step(
            "Poser l'état des lieux",
            "Une chercheuse en psychologie de l'orientation présente ce que l'on sait de la "
            "mixité des métiers et de la construction des choix.",
        ),
        Step(
            "Atelier quiz et repérage des stéréotypes",
            "Un quiz sur la mixité professionnelle, puis la chasse aux stéréotypes dans des "
            "plaquettes, des photos et des discours.",
        ),
        Step(
            "Atelier offres d'emploi",
            "Accorder les noms de métiers et réécrire ensemble une offre qui ne s'adresse, sans "
            "le dire, qu'à un seul sexe.",
        ),
        Step(
            "Table ronde d'entreprises",
            "Des professionnelles et des professionnels racontent ce qui a changé quand leur "
            "entreprise a ouvert ses métiers.",
        ),
    ),
    objectives=(
        "<ul><li>Faire prendre conscience que le récit d'un métier peut exclure.</li>"
        "<li>Donner aux entreprises et aux enseignants des outils simples pour présenter les "
        "métiers autrement.</li>"
        "<li>Garantir l'égalité des choix, dans l'accès à l'emploi comme dans les "
        "parcours.</li></ul>"
    ),
    obstacles=(
        Obstacle(
            "Des participants persuadés de « ne pas avoir de stéréotypes »",
            "Commencer par un quiz ludique, où chacun découvre ses propres idées reçues sans "
            "être mis en cause.",
        ),
        Obstacle(
            "Des offres d'emploi rédigées ailleurs, par un siège ou un prestataire",
            "Une grille courte à transmettre à celles et ceux qui rédigent, disponible dans la "
            "boîte à outils.",
        ),
    ),
    stakeholders=(
        Stakeholder("Co-organisation, animation de l'atelier quiz", "numerikelles"),
        Stakeholder("Accueil de la matinée", "lycee-pen-ar-roz"),
        Stakeholder("Témoignages et atelier offres d'emploi", "verrerie-de-lannvor"),
        Stakeholder("Animation de la table ronde", "armor-travail-egalite"),
        Stakeholder("État des lieux de la mixité des métiers", name="Université de Lannvor"),
    ),
    indicators=(
        Indicator(
            Code.PEOPLE_SENSITISED,
            "Participantes et participants depuis le lancement",
            210,
            "personnes",
        ),
        Indicator(Code.OTHER, "Offres d'emploi réécrites en atelier", 15, "offres"),
        Indicator(Code.TRAININGS, "Matinées organisées", 4, "matinées"),
    ),
    results=(
        "<p>Les entreprises repartent avec des offres réécrites et une grille pour les "
        "suivantes ; plusieurs enseignantes et enseignants ont repris le quiz en classe.</p>"
    ),
    lessons=(
        "<p>Une matinée, c'est le format qui convient aux entreprises ; ce sont les exemples "
        "tirés de leurs propres documents qui font changer les pratiques.</p>"
        "<p>Le déroulé s'inspire du projet du même nom, « un métier qui n'a pas de sexe », porté "
        "par la Fondation FACE et sept de ses clubs avec le Fonds social européen.</p>"
    ),
    did_not_work=(
        "<p>La retransmission en ligne de la table ronde a peu fonctionné : les échanges de la "
        "salle étaient difficiles à suivre à distance. Les prochaines éditions proposeront un "
        "court résumé vidéo à la place.</p>"
    ),
    contacts=(
        Contact("claire.morvan", "Animation de la table ronde"),
        Contact("nadia.belkacem", "Co-organisatrice"),
    ),
    facets=Facets(
        themes=("girls-career-guidance", "gender-diversity-of-trades", "recruitment"),
        sectors=("education-training", "manufacturing"),
        country="FR",
        region="Bretagne",
        actor_type=Actor.ASSOCIATION,
        spaces=("filles-et-numerique", "recruter-sans-stereotypes"),
    ),
    start_year=2023,
    cover=Cover("#e76f51", "#fefae0", "arcs", "Arcs concentriques crème sur fond corail"),
)

TERRITORIAL_SKILLS = SheetSpec(
    slug="emplois-competences-territoire",
    title="Une démarche emplois et compétences à l'échelle du territoire",
    author="julien.guillou",
    days_ago=14,
    summary=(
        "Lannvor Agglomération réunit entreprises, écoles et service public de l'emploi pour "
        "anticiper les besoins en compétences des PME et ouvrir à toutes et à tous les emplois "
        "qui se créent, y compris aux nouveaux arrivants."
    ),
    observation=(
        "<p>Crises successives, transitions numérique et écologique : l'économie locale change "
        "vite, des emplois disparaissent et d'autres naissent, sans que rien n'assure le passage "
        "des uns aux autres. Les petites entreprises, isolées et sans service des ressources "
        "humaines, manquent de temps pour anticiper.</p>"
        "<p>Les parcours des habitantes et des habitants sont de moins en moins linéaires, et "
        "l'on habite de plus en plus loin de son lieu de travail.</p>"
    ),
    steps=(
        Step(
            "Analyser le territoire",
            "Un état des lieux des emplois, des compétences attendues et des mouvements de "
            "population, mené avec les entreprises et les acteurs de l'emploi.",
        ),
        Step(
            "Partager des outils de gestion des compétences",
            "Des outils d'anticipation adaptés aux petites entreprises, présentés puis pris en "
            "main en ateliers.",
        ),
        Step(
            "Animer des groupes de progrès",
            "Entreprises et partenaires y analysent ensemble leurs pratiques et en tirent des "
            "pistes d'amélioration.",
        ),
        Step(
            "Adapter la formation des adultes",
            "Avec les organismes de formation, des parcours plus courts et plus souples, conçus "
            "pour les besoins des entreprises locales et les souhaits des personnes.",
        ),
    ),
    objectives=(
        "<ul><li>Rapprocher les personnes qui cherchent un emploi et les postes à pourvoir, en "
        "intégrant les arrivées et les départs d'habitants, sans laisser personne de côté.</li>"
        "<li>Permettre aux habitantes et aux habitants d'accéder aux emplois créés sur place, "
        "ou de créer leur activité, notamment dans la transition écologique.</li>"
        "<li>Mettre en commun des outils nouveaux pour anticiper emplois et compétences.</li>"
        "<li>Ouvrir les métiers en tension aux femmes comme aux hommes.</li></ul>"
    ),
    obstacles=(
        Obstacle(
            "Des ressources publiques et associatives nombreuses mais dispersées",
            "Un lieu unique de coordination à l'agglomération et un annuaire partagé des "
            "dispositifs.",
        ),
        Obstacle(
            "Des PME qui n'ont pas le temps de se pencher sur les compétences",
            "Des rendez-vous courts dans l'entreprise plutôt que des réunions, et des outils "
            "préremplis avec les données disponibles.",
        ),
    ),
    stakeholders=(
        Stakeholder("Pilotage de la démarche", "lannvor-agglomeration"),
        Stakeholder("Entreprise participante", "conserverie-kerlann"),
        Stakeholder("Formation initiale et continue", "lycee-pen-ar-roz"),
        Stakeholder("Repérage des candidates et des candidats", name="Service public de l'emploi"),
        Stakeholder(
            "Adaptation des parcours", name="Organismes de formation pour adultes du territoire"
        ),
    ),
    indicators=(
        Indicator(Code.COMPANIES, "PME associées à la démarche", 42, "PME"),
        Indicator(Code.OTHER, "Groupes de progrès animés", 5, "groupes"),
        Indicator(
            Code.WOMEN_RECRUITED, "Femmes recrutées sur des métiers en tension", 17, "femmes"
        ),
        Indicator(Code.TRAININGS, "Parcours de formation adaptés", 6, "parcours"),
    ),
    results=(
        "<p>Les PME ont trouvé un interlocuteur et des outils qu'elles n'avaient pas. Les "
        "recrutements sur les métiers en tension s'ouvrent aux candidates, en particulier dans "
        "l'agroalimentaire et la maintenance.</p>"
    ),
    lessons=(
        "<p>Le territoire est la bonne échelle pour gérer les compétences : il réunit des "
        "acteurs qui ne se parlaient pas. Prendre le temps de capitaliser en fin de parcours "
        "fait gagner du temps aux territoires qui suivent.</p>"
        "<p>Regarder les outils d'autres pays européens aide à sortir des habitudes.</p>"
    ),
    did_not_work=(
        "<p>L'outil en ligne de recensement des besoins, trop complet, n'a été rempli que par "
        "quelques entreprises : les besoins sont désormais recueillis lors d'un entretien d'une "
        "demi-heure.</p>"
    ),
    contacts=(
        Contact("julien.guillou", "Chargé de mission emplois et compétences"),
        Contact("maelle.legoff", "Responsable RH d'une entreprise participante"),
    ),
    facets=Facets(
        themes=("gpect", "career-paths", "gender-diversity-of-trades"),
        sectors=("public-sector", "agri-food", "manufacturing"),
        country="FR",
        region="Bretagne",
        actor_type=Actor.PUBLIC_BODY,
        spaces=("recruter-sans-stereotypes", "comite-de-pilotage"),
    ),
    start_year=2022,
    cover=Cover("#588157", "#dad7cd", "squares", "Carrés gris clair en quinconce sur fond vert"),
)

FURNITURE_PORTRAITS = SheetSpec(
    slug="portraits-video-femmes-atelier",
    title="Des portraits vidéo de femmes de l'atelier pour recruter dans le meuble",
    author="lucia.ferrer",
    days_ago=9,
    summary=(
        "Le Clúster Mueble Levante a filmé des menuisières, des vernisseuses et des tapissières "
        "de ses entreprises ; les vidéos servent aux conseillers d'orientation, dans les salons "
        "des métiers et dans les offres d'emploi."
    ),
    observation=(
        "<p>Les ateliers de fabrication et de finition recrutent difficilement, et presque "
        "uniquement des hommes. Les jeunes femmes ne se projettent pas dans des métiers qu'elles "
        "n'ont jamais vu exercer par des femmes.</p>"
    ),
    steps=(
        Step(
            "Trouver les volontaires",
            "Le cluster a demandé à ses entreprises quelles salariées accepteraient de raconter "
            "leur métier devant une caméra.",
        ),
        Step(
            "Tourner dans l'atelier",
            "Des tournages courts, au poste de travail, centrés sur les gestes du métier et le "
            "parcours de chacune.",
        ),
        Step(
            "Diffuser auprès des prescripteurs",
            "Les vidéos sont confiées aux conseillers d'orientation et de l'emploi, et projetées "
            "dans les salons des métiers.",
        ),
    ),
    objectives=(
        "<ul><li>Montrer des femmes à l'ouvrage dans tous les métiers de l'ameublement.</li>"
        "<li>Donner aux prescripteurs un support concret pour parler de ces métiers aux jeunes "
        "femmes.</li></ul>"
    ),
    obstacles=(
        Obstacle(
            "Des salariées réticentes à se montrer",
            "Un tournage à deux, avec une collègue, et le droit de revoir le montage avant "
            "diffusion.",
        ),
        Obstacle(
            "Le coût d'un tournage professionnel pour de petites entreprises",
            "Un tournage mutualisé par le cluster, sur deux jours, pour toutes les entreprises.",
        ),
    ),
    stakeholders=(
        Stakeholder("Organisation des tournages", "asociacion-mueble-levante"),
        Stakeholder("Entreprise participante", "muebles-albufera"),
        Stakeholder("Entreprise participante", "tapizados-del-turia"),
        Stakeholder("Diffusion auprès des élèves", name="Conseillers d'orientation de la région"),
    ),
    indicators=(
        Indicator(Code.OTHER, "Portraits tournés", 6, "portraits"),
        Indicator(Code.COMPANIES, "Entreprises participantes", 3, "entreprises"),
        Indicator(
            Code.PEOPLE_SENSITISED, "Visiteurs des salons ayant vu les portraits", 900, "personnes"
        ),
    ),
    results=(
        "<p>Les portraits sont utilisés par les conseillers d'orientation de la région et repris "
        "dans les offres d'emploi des entreprises. Muebles Albufera a reçu ses premières "
        "candidatures féminines pour l'atelier de finition.</p>"
    ),
    lessons=(
        "<p>L'idée vient d'un plan de territoire français, où sept portraits tournés dans quatre "
        "entreprises servaient aux acteurs de l'emploi : elle se transpose sans peine à une "
        "autre filière et à un autre pays.</p>"
    ),
    did_not_work=(
        "<p>La version longue, de huit minutes, n'a presque jamais été regardée jusqu'au bout ; "
        "les formats de moins de deux minutes circulent bien mieux.</p>"
    ),
    contacts=(
        Contact("lucia.ferrer", "Animatrice du cluster"),
        Contact("carmen.ortiz", "Tapissière, a témoigné dans les portraits"),
    ),
    facets=Facets(
        themes=("gender-diversity-of-trades", "recruitment", "industry"),
        sectors=("furniture-wood",),
        country="ES",
        region="Comunitat Valenciana",
        actor_type=Actor.CLUSTER,
        spaces=("mixite-metiers-du-meuble",),
    ),
    start_year=2024,
    end_year=2024,
    cover=Cover("#bc6c25", "#fefae0", "stripes", "Bandes obliques crème sur fond brun"),
    videos=(("Portraits de l'atelier (version courte)", "https://youtu.be/hT4nQe8LwZc"),),
)

TEXTILE_DIAGNOSIS = SheetSpec(
    slug="diagnostic-quatre-axes-textile",
    title="Adapter le diagnostic égalité en quatre axes aux ateliers de confection",
    author="ioana.vasilescu",
    days_ago=5,
    summary=(
        "Le Cluster Textil Carpați a repris la méthode des Clusters Égalité pour accompagner "
        "pendant six mois des ateliers où les femmes sont majoritaires à la production mais "
        "rares à l'encadrement."
    ),
    observation=(
        "<p>Dans les ateliers du cluster, neuf personnes sur dix sont des femmes, mais "
        "l'encadrement reste très masculin. Les écarts ne naissent pas au recrutement : ils se "
        "creusent au fil des parcours, des horaires et des conditions de travail.</p>"
    ),
    steps=(
        Step(
            "Former l'équipe du cluster à la méthode",
            "Avec la coopérative partenaire du programme européen, les animatrices du cluster se "
            "sont approprié les outils du diagnostic.",
        ),
        Step(
            "Accompagner un groupe d'ateliers pendant six mois",
            "Temps collectifs au cluster et appui individuel dans chaque entreprise, avec un "
            "binôme direction–représentants du personnel.",
        ),
        Step(
            "Lire les écarts de parcours",
            "Le diagnostic s'attache surtout au passage de couturière à cheffe d'atelier : qui "
            "est promue, après combien d'années, avec quelle formation.",
        ),
        Step(
            "Ouvrir un parcours vers l'encadrement",
            "Confecții Siret a construit une formation pour que des couturières expérimentées "
            "deviennent cheffes d'atelier.",
        ),
    ),
    objectives=(
        "<ul><li>Doter chaque atelier d'un diagnostic partagé de ses écarts.</li>"
        "<li>Faire accéder des femmes aux postes d'encadrement.</li>"
        "<li>Éprouver en Roumanie une méthode née en Bretagne.</li></ul>"
    ),
    obstacles=(
        Obstacle(
            "Des données de carrière dispersées, souvent sur papier",
            "Une grille de recueil simple, remplie avec les cheffes d'équipe, plutôt qu'une "
            "extraction informatique.",
        ),
        Obstacle(
            "Des outils d'origine rédigés dans une autre langue",
            "Traduction et adaptation des supports par l'équipe du cluster, relues par la "
            "coopérative partenaire.",
        ),
    ),
    stakeholders=(
        Stakeholder("Animation de l'accompagnement", "asociatia-textil-carpati"),
        Stakeholder("Atelier participant", "confectii-siret"),
        Stakeholder("Transfert de la méthode", "ty-conseil-egalite"),
        Stakeholder("Méthode d'origine", "armor-travail-egalite"),
    ),
    indicators=(
        Indicator(Code.COMPANIES, "Ateliers accompagnés", 7, "ateliers"),
        Indicator(Code.WOMEN_RECRUITED, "Couturières formées à l'encadrement", 12, "femmes"),
        Indicator(Code.TRAININGS, "Temps collectifs organisés", 6, "séances"),
    ),
    results=(
        "<p>Chaque atelier dispose de son diagnostic ; trois ont arrêté un plan d'action, centré "
        "sur l'accès à l'encadrement et l'organisation des horaires.</p>"
    ),
    lessons=(
        "<p>La méthode passe bien d'un pays à l'autre si l'on prend le temps d'adapter les "
        "exemples au secteur. Les chiffres partagés restent dans l'espace privé du groupe : "
        "c'est ce qui permet aux entreprises de les montrer.</p>"
    ),
    did_not_work=(
        "<p>Le calendrier d'origine, calqué sur celui de Bretagne, tombait en pleine saison de "
        "production : deux ateliers ont dû reporter leurs temps collectifs.</p>"
    ),
    contacts=(
        Contact("ioana.vasilescu", "Animatrice du cluster"),
        Contact("andrei.popa", "DRH d'un atelier participant"),
    ),
    facets=Facets(
        themes=("working-conditions", "career-paths", "pay-equality-index"),
        sectors=("textile",),
        country="RO",
        region="Nord-Est",
        actor_type=Actor.CLUSTER,
        spaces=("plan-egalite-textile",),
    ),
    start_year=2024,
    cover=Cover("#9d0208", "#ffba08", "circles", "Cercles jaune d'or sur fond rouge sombre"),
)

SHEETS = (
    CLUSTERS_EGALITE,
    PROGRAMME,
    TERRITORY_PLAN,
    VERRIERES,
    GIRLS_DIGITAL,
    STORY_WORKSHOPS,
    TERRITORIAL_SKILLS,
    FURNITURE_PORTRAITS,
    TEXTILE_DIAGNOSIS,
)

# --- English versions -------------------------------------------------------------------------


@dataclass(frozen=True)
class TranslationSpec:
    original: str  # the French sheet's slug
    sheet: SheetSpec  # the English text; the facets and the cover are the original's
    days_after: int  # published this many days after the original
    original_update: str = ""  # rich text the original's results gain afterwards
    original_updated_days_ago: int = 0


PROGRAMME_EN = replace(
    PROGRAMME,
    slug=f"{PROGRAMME.slug}-en",
    title="Equipping SMEs through clusters: the European programme for equality",
    summary=(
        "Three clusters and a consulting cooperative pool practices, interviews, videos and "
        "training, so that SMEs, often at a loss with gender equality, can act with the "
        "support of their cluster."
    ),
    observation=(
        "<p>More and more large companies adopt a gender equality policy. SMEs lack the time "
        "and the method: many do not know where to start.</p>"
        "<p>All over Europe, clusters already raise awareness, train or offer tools to their "
        "companies, but each on its own, without pooling their material.</p>"
    ),
    steps=(
        Step(
            "Train the clusters' teams",
            "The facilitators of the three clusters learnt what equality is about and what it "
            "brings to companies and their partners, from collected good practices, interviews "
            "and a guide to tools.",
        ),
        Step(
            "Produce content for SMEs",
            "Sheets, video capsules and ready-to-use templates, designed for managers who have "
            "little time to spare.",
        ),
        Step(
            "Open an online learning space",
            "A free environment for five years, where SMEs find every resource, follow training "
            "that adapts to their level and takes the form of games, and work together.",
        ),
        Step(
            "Give clusters a method to train their SMEs themselves",
            "A guide for trainers and facilitators and a toolbox to run the sessions, put to the "
            "test in pilot sessions in each cluster.",
        ),
    ),
    objectives=(
        "<p>Make clusters the missing link between equality policies and SMEs, with a new "
        "approach built at European level.</p>"
        "<ul><li>Shared tools and training content, free to use.</li>"
        "<li>Clusters able to train their companies directly.</li>"
        "<li>Greater impact through coordination between countries.</li></ul>"
    ),
    obstacles=(
        Obstacle(
            "Convincing as many European clusters as possible to take up the tools and offer "
            "them to their SMEs",
            "Free, translated content, an online space open for five years and a capitalisation "
            "seminar open to all, to make the approach known beyond the partners.",
        ),
        Obstacle(
            "SME managers who have no time for a long training course",
            "Short modules, video capsules under five minutes, and sessions held at the "
            "cluster's premises, close to the companies.",
        ),
    ),
    stakeholders=(
        Stakeholder("Programme coordination and training design", "ty-conseil-egalite"),
        Stakeholder(
            "Partner cluster in Brittany, collection of practices", "armor-travail-egalite"
        ),
        Stakeholder("Partner cluster, furniture (Spain)", "asociacion-mueble-levante"),
        Stakeholder("Partner cluster, textiles (Romania)", "asociatia-textil-carpati"),
        Stakeholder("Outreach to clusters in other regions", name="National network of clusters"),
        Stakeholder(
            "Instructional design of the online space",
            name="Women's entrepreneurship consultancy (Austria)",
        ),
    ),
    indicators=(
        Indicator(Code.OTHER, "Good-practice sheets written", 30, "sheets"),
        Indicator(Code.OTHER, "Interviews conducted", 20, "interviews"),
        Indicator(Code.TRAININGS, "Pilot training sessions", 3, "sessions"),
        Indicator(Code.COMPANIES, "SMEs at the pilot sessions", 27, "SMEs"),
    ),
    results=(
        "<p>More than thirty good practices and twenty interviews were collected. They show the "
        "variety of what clusters, companies and their public partners do, and their authors' "
        "wish to share them so that others, SMEs above all, can use them.</p>"
        "<p>The toolbox for SMEs is being finalised; the video capsules and training tools will "
        "be available by the end of 2025.</p>"
    ),
    lessons=(
        "<p>A practice travels better when the people who ran it tell it: the interviews often "
        "convinced more than the sheets.</p>"
        "<p>Writing the trainers' guide before the content would have saved time: the running "
        "order of a session sets the length of the material.</p>"
    ),
    did_not_work=(
        "<p>The first online questionnaire sent to SMEs was hardly filled in: too long, and "
        "sent without a personal follow-up. Face-to-face interviews replaced it.</p>"
    ),
    contacts=(
        Contact("sophie.lemoine", "Programme coordinator"),
        Contact("claire.morvan", "Facilitator of Cluster Égalité Armor"),
    ),
)

CLUSTERS_EGALITE_EN = replace(
    CLUSTERS_EGALITE,
    slug=f"{CLUSTERS_EGALITE.slug}-en",
    title="Equality Clusters: six months together, from diagnosis to agreement",
    summary=(
        "Twenty-one companies in Brittany, supported together for six months, measured their "
        "gaps between women and men and prepared an equality agreement or action plan, with "
        "management and staff representatives working in pairs."
    ),
    observation=(
        "<p>When the State chose a few pilot regions to try new ways of advancing equality at "
        "work, Brittany volunteered. Companies kept saying the same thing: they have figures, "
        "but never read them for gaps between women and men.</p>"
        "<p>On their own, SMEs often stop at the legal obligation, and equality is seldom on the "
        "agenda of the social dialogue.</p>"
    ),
    steps=(
        Step(
            "Call for volunteer companies",
            "With the regional State services for labour and for women's rights, the "
            "association invited companies of every sector to a six-month programme.",
        ),
        Step(
            "Form a pair and a working group",
            "In each company, a manager and a staff representative led the work together, with "
            "a dedicated working group.",
        ),
        Step(
            "Alternate group sessions and individual support",
            "Sessions gathering all the companies to share methods and experience and, between "
            "them, on-site support from the project officers.",
        ),
        Step(
            "Diagnose the gaps along four lines",
            "Gender mix of jobs, career paths, working conditions and occupational risks, "
            "working time: four gaps that explain much of the differences in pay, health and "
            "careers.",
        ),
        Step(
            "Negotiate an agreement or write an action plan",
            "Each company chose its areas for action, then prepared a collective agreement or, "
            "failing that, an action plan filed with the labour administration.",
        ),
    ),
    objectives=(
        "<ul><li>Help each company establish a precise diagnosis of the gaps between women and "
        "men.</li>"
        "<li>Prepare the negotiation of an equality agreement or the writing of an action "
        "plan.</li>"
        "<li>Make equality a subject of social dialogue, not just an obligation.</li></ul>"
    ),
    obstacles=(
        Obstacle(
            "Mobilising companies that do not feel concerned",
            "The support of the regional State services, for labour and for women's rights, "
            "made enrolment much easier.",
        ),
        Obstacle(
            "Data available but never analysed by sex",
            "Ready-made diagnosis tools, filled in with the working group and the help of the "
            "project officers.",
        ),
        Obstacle(
            "The fear of a mere compliance exercise",
            "Starting from real work situations (quality of working life, working conditions, "
            "hours) rather than from the legal indicators alone.",
        ),
    ),
    stakeholders=(
        Stakeholder("Design and facilitation of the programme", "armor-travail-egalite"),
        Stakeholder("Participating company with over 300 employees", "verrerie-de-lannvor"),
        Stakeholder(
            "Funding and mobilisation of companies",
            name="Regional delegation for women's rights and equality",
        ),
        Stakeholder(
            "Outreach to companies, filing of agreements",
            name="Regional State services for labour",
        ),
        Stakeholder("Co-funding", name="European Social Fund"),
    ),
    indicators=(
        Indicator(Code.COMPANIES, "Companies supported", 21, "companies"),
        Indicator(Code.COMPANIES, "of which SMEs", 19, "SMEs"),
        Indicator(Code.AGREEMENTS, "Equality agreements signed", 6, "agreements"),
        Indicator(Code.OTHER, "Action plans filed", 2, "plans"),
        Indicator(Code.OTHER, "Agreements in preparation at the end", 4, "agreements"),
        Indicator(Code.OTHER, "Action plans in preparation at the end", 3, "plans"),
    ),
    results=(
        "<p>By the end of the programme, six agreements had been signed and two action plans "
        "filed; four more agreements and three plans were in preparation.</p>"
        "<p>The companies chose more areas for action than the law requires, notably quality of "
        "working life and working conditions: a sign of real commitment from the teams "
        "involved.</p>"
    ),
    lessons=(
        "<p>The management–staff representative pair changes the conversation: equality becomes "
        "a shared concern rather than one side's demand.</p>"
        "<p>Working groups bring up situations the figures do not show. Bringing together "
        "companies from different sectors enriches the exchanges more than it scatters "
        "them.</p>"
    ),
    did_not_work=(
        "<p>Six months is short for a negotiation: several companies had not concluded by the "
        "planned date, and a follow-up meeting three months after the end had to be added.</p>"
    ),
    contacts=(
        Contact("claire.morvan", "Cluster facilitator, project officer"),
        Contact("sandrine.quere", "Equality lead of a participating company"),
    ),
)

TRANSLATIONS = (
    TranslationSpec(PROGRAMME.slug, PROGRAMME_EN, days_after=4),
    TranslationSpec(
        CLUSTERS_EGALITE.slug,
        CLUSTERS_EGALITE_EN,
        days_after=10,
        original_update=CLUSTERS_EGALITE_UPDATE,
        original_updated_days_ago=4,
    ),
)

# --- Interviews and video capsules ------------------------------------------------------------


@dataclass(frozen=True)
class InterviewSpec:
    slug: str
    title: str
    author: str
    days_ago: int
    summary: str
    person: str  # the demo login interviewed
    person_role: str
    organisation: str
    questions: tuple[tuple[str, str], ...]  # (question, answer as rich text)
    media_url: str
    facets: Facets
    cover: Cover
    interviewer: str = "Claire Morvan"


INTERVIEWS = (
    InterviewSpec(
        slug="entretien-sandrine-quere-les-verrieres",
        title="Sandrine Quéré : « Le réseau a rendu visibles les femmes de la production »",
        author="claire.morvan",
        days_ago=30,
        summary=(
            "La responsable des ressources humaines de la Verrerie de Lannvor raconte la "
            "naissance du réseau « Les Verrières », ce qu'il a changé à l'usine et ce qu'elle "
            "conseillerait à une PME qui voudrait se lancer."
        ),
        person="sandrine.quere",
        person_role="Responsable des ressources humaines",
        organisation="verrerie-de-lannvor",
        questions=(
            (
                "Comment le réseau est-il né ?",
                "<p>D'une discussion à la cantine, tout simplement. Quelques collègues des "
                "ateliers se sentaient seules dans leur équipe. Nous avons proposé à la "
                "direction de réunir les volontaires une fois par mois, et elle a accepté que "
                "ce soit sur le temps de travail.</p>",
            ),
            (
                "Qu'est-ce qui a changé dans l'usine ?",
                "<p>Les femmes de la production sont devenues visibles. Le réseau relit les "
                "offres d'emploi, et les ressources humaines le consultent avant chaque "
                "campagne de recrutement. Deux collègues sont devenues cheffes d'équipe.</p>",
            ),
            (
                "Pourquoi aller dans les collèges ?",
                "<p>Parce que c'est là que les choix se font. Quand une conductrice de ligne "
                "raconte sa journée, les élèves posent des questions qu'elles n'oseraient "
                "jamais poser à un conseiller. Et les garçons écoutent aussi.</p>",
            ),
            (
                "Un conseil pour une PME qui voudrait se lancer ?",
                "<p>Commencer petit, avec trois ou quatre personnes motivées, et obtenir tout "
                "de suite un engagement clair de la direction sur le temps accordé. Le reste "
                "vient avec les premières actions.</p>",
            ),
        ),
        media_url="https://www.youtube.com/watch?v=Lq8vRk2TnXw",
        facets=Facets(
            themes=("industry", "gender-diversity-of-trades", "career-paths"),
            sectors=("manufacturing",),
            country="FR",
            region="Bretagne",
            actor_type=Actor.SME,
            spaces=("recruter-sans-stereotypes",),
        ),
        cover=Cover("#457b9d", "#f1faee", "arcs", "Arcs concentriques blancs sur fond bleu acier"),
    ),
    InterviewSpec(
        slug="entretien-nadia-belkacem-numerikelles",
        title="Nadia Belkacem : « Une année pour changer de regard sur le numérique »",
        author="claire.morvan",
        days_ago=22,
        summary=(
            "La coordinatrice de Numérik'Elles explique comment une promotion de lycéennes "
            "découvre le numérique, pourquoi le marrainage compte autant que les ateliers, et "
            "comment le programme essaime."
        ),
        person="nadia.belkacem",
        person_role="Coordinatrice",
        organisation="numerikelles",
        questions=(
            (
                "À qui s'adresse le programme ?",
                "<p>À des lycéennes de 14 à 17 ans, qui n'ont souvent jamais imaginé "
                "travailler dans le numérique. Nous ne cherchons pas des passionnées "
                "d'informatique : nous cherchons des curieuses.</p>",
            ),
            (
                "Comment se déroule l'année ?",
                "<p>Des ateliers pendant les vacances, une marraine pour chacune, du soutien "
                "scolaire si besoin, et des visites d'entreprises. La promotion se retrouve "
                "aussi entre elles : le groupe compte beaucoup.</p>",
            ),
            (
                "Qui sont les marraines ?",
                "<p>Des développeuses, des designers, des spécialistes de la cybersécurité, "
                "toutes bénévoles. Certaines viennent par le mécénat de compétences de leur "
                "entreprise, d'autres à titre personnel, comme Inès.</p>",
            ),
            (
                "Qu'avez-vous appris depuis le début ?",
                "<p>Que la durée compte plus que tout. Une intervention en classe fait "
                "réfléchir ; une année entière donne confiance. Et qu'il faut remercier les "
                "bénévoles, souvent et publiquement.</p>",
            ),
        ),
        media_url="https://videos.egalite-clusters.example/w/3fKpY8dNqT6vHs1xGm5ZcA",
        facets=Facets(
            themes=("girls-career-guidance", "digital"),
            sectors=("digital", "education-training"),
            country="FR",
            region="Bretagne",
            actor_type=Actor.ASSOCIATION,
            spaces=("filles-et-numerique",),
        ),
        cover=Cover("#ffb703", "#023047", "dots", "Points bleu marine sur fond jaune"),
    ),
)


@dataclass(frozen=True)
class VideoSpec:
    slug: str
    title: str
    author: str
    days_ago: int
    summary: str
    video_url: str
    duration: timedelta
    transcript: str
    facets: Facets
    cover: Cover


VIDEOS = (
    VideoSpec(
        slug="capsule-quatre-ecarts",
        title="Les quatre écarts à regarder dans un diagnostic égalité",
        author="claire.morvan",
        days_ago=45,
        summary=(
            "En moins de quatre minutes, les quatre écarts entre femmes et hommes qu'un "
            "diagnostic doit examiner, et pourquoi ils expliquent les différences de salaire, "
            "de santé et de carrière."
        ),
        video_url="https://www.youtube.com/watch?v=Zr5mW1cKp8Q",
        duration=timedelta(minutes=3, seconds=42),
        transcript=(
            "<p>Quand une entreprise veut agir pour l'égalité, elle commence souvent par les "
            "salaires. C'est utile, mais c'est la fin de l'histoire : les écarts de salaire "
            "résultent d'autres écarts, qu'il faut regarder d'abord.</p>"
            "<p><b>Premier écart : la mixité des emplois.</b> Où travaillent les femmes, où "
            "travaillent les hommes ? Quels métiers sont presque entièrement masculins, ou "
            "féminins ?</p>"
            "<p><b>Deuxième écart : les parcours professionnels.</b> Qui est formé, qui est "
            "promu, et après combien d'années ?</p>"
            "<p><b>Troisième écart : les conditions de travail et les risques "
            "professionnels.</b> Les postes tenus par les femmes et par les hommes n'exposent "
            "pas aux mêmes contraintes, ni aux mêmes maladies.</p>"
            "<p><b>Quatrième écart : le temps de travail.</b> Temps partiel, horaires décalés, "
            "heures supplémentaires : à qui reviennent-ils ?</p>"
            "<p>Ces écarts se cumulent. Le guide du diagnostic, dans la boîte à outils, propose "
            "des questions pour chacun d'eux.</p>"
        ),
        facets=Facets(
            themes=("pay-equality-index", "working-conditions", "career-paths"),
            sectors=("business-services",),
            country="FR",
            region="Bretagne",
            actor_type=Actor.ASSOCIATION,
            spaces=("reseau-referents-egalite",),
        ),
        cover=Cover(
            "#003049", "#fcbf49", "squares", "Carrés jaune d'or en quinconce sur fond bleu"
        ),
    ),
    VideoSpec(
        slug="capsule-elodie-conductrice-de-ligne",
        title="Élodie, conductrice de ligne : « Mon métier n'a pas de sexe »",
        author="sandrine.quere",
        days_ago=28,
        summary=(
            "Élodie Marchand conduit une ligne de production à la Verrerie de Lannvor depuis "
            "six ans. Elle raconte sa journée, ce qui l'a surprise et ce qu'elle aurait aimé "
            "savoir à quinze ans."
        ),
        video_url="https://videos.egalite-clusters.example/w/7QmTzXhJvR2cN4pLbW9sKe",
        duration=timedelta(minutes=2, seconds=15),
        transcript=(
            "<p>Je m'appelle Élodie, je suis conductrice de ligne à la verrerie depuis six "
            "ans.</p>"
            "<p>Je surveille les machines qui forment les pots, je corrige les réglages quand "
            "la qualité dérive, et je coordonne une équipe de quatre personnes.</p>"
            "<p>Au collège, personne ne m'a parlé de l'industrie. Je suis arrivée ici par une "
            "mission d'intérim, en pensant rester trois mois.</p>"
            "<p>Ce qui m'a surprise ? La technicité. On ne porte pas de charges lourdes : on "
            "pilote, on anticipe, on résout des problèmes.</p>"
            "<p>Ce que j'aurais aimé savoir à quinze ans : que ce métier existait, et qu'il "
            "était pour moi aussi.</p>"
        ),
        facets=Facets(
            themes=("girls-career-guidance", "industry", "gender-diversity-of-trades"),
            sectors=("manufacturing",),
            country="FR",
            region="Bretagne",
            actor_type=Actor.SME,
            spaces=("filles-et-numerique", "recruter-sans-stereotypes"),
        ),
        cover=Cover("#780000", "#fdf0d5", "triangles", "Triangles crème sur fond bordeaux"),
    ),
)

# --- The toolbox and its documents ------------------------------------------------------------

Block = tuple[str, str | tuple[str, ...]]  # ("h" | "p", text) or ("ul", items)


@dataclass(frozen=True)
class DocumentSpec:
    title: str
    filename: str
    collection: str  # a key of _Seeder.collection
    uploader: str
    pdf: tuple[Block, ...] = ()  # the pages of a PDF, or:
    rows: tuple[tuple[str, ...], ...] = ()  # a CSV, or:
    text: str = ""  # a plain text file


DOCUMENTS = {
    "calendrier-clusters-egalite": DocumentSpec(
        title="Calendrier des temps collectifs des Clusters Égalité",
        filename="calendrier-clusters-egalite.pdf",
        collection="library",
        uploader="claire.morvan",
        pdf=(
            ("h", "Clusters Égalité : le calendrier du parcours"),
            ("p", "Six mois, trois temps collectifs et trois temps d'appui dans l'entreprise."),
            (
                "ul",
                (
                    "Mois 1 – Temps collectif : lancement, rôle du binôme direction – "
                    "représentants du personnel, constitution des groupes de travail.",
                    "Mois 1 et 2 – Appui individuel : réunir les données de l'entreprise.",
                    "Mois 2 – Temps collectif : lire les écarts sur les quatre axes.",
                    "Mois 3 et 4 – Appui individuel : diagnostic partagé avec le groupe de "
                    "travail, choix des domaines d'action.",
                    "Mois 5 – Temps collectif : des domaines d'action aux mesures, échanges "
                    "entre entreprises.",
                    "Mois 6 – Appui individuel puis séance de clôture : accord ou plan "
                    "d'action, et suite du parcours.",
                ),
            ),
            ("p", "Prévoir un point d'étape trois mois après la clôture."),
        ),
    ),
    "guide-quatre-axes": DocumentSpec(
        title="Guide du diagnostic égalité en quatre axes",
        filename="guide-diagnostic-quatre-axes.pdf",
        collection="toolbox",
        uploader="claire.morvan",
        pdf=(
            ("h", "Conduire un diagnostic égalité en quatre axes"),
            (
                "p",
                "Ce guide accompagne le groupe de travail d'une PME. Pour chaque axe : les "
                "données à réunir, puis les questions à se poser ensemble.",
            ),
            ("h", "1. La mixité des emplois"),
            (
                "ul",
                (
                    "Effectifs par métier, par service et par catégorie, selon le sexe.",
                    "Quels métiers sont occupés à plus de 80 % par un seul sexe ? Depuis quand ?",
                ),
            ),
            ("h", "2. Les parcours professionnels"),
            (
                "ul",
                (
                    "Formations suivies, promotions et changements de poste, selon le sexe.",
                    "Au bout de combien d'années une femme, un homme sont-ils promus ?",
                ),
            ),
            ("h", "3. Les conditions de travail et les risques professionnels"),
            (
                "ul",
                (
                    "Accidents du travail, maladies professionnelles, absences, par poste.",
                    "Quelles contraintes (port de charges, gestes répétitifs, horaires) pèsent "
                    "sur quels postes ?",
                ),
            ),
            ("h", "4. Le temps de travail"),
            (
                "ul",
                (
                    "Temps partiel choisi ou subi, horaires décalés, heures supplémentaires.",
                    "Qui bénéficie des aménagements d'horaires, et qui en est exclu ?",
                ),
            ),
            (
                "p",
                "Ces quatre écarts s'additionnent : ensemble, ils rendent compte de l'essentiel "
                "des inégalités de paie, de santé et de carrière que l'on constate ensuite.",
            ),
        ),
    ),
    "modele-indicateurs-csv": DocumentSpec(
        title="Tableau de suivi des indicateurs égalité (modèle)",
        filename="modele-indicateurs-egalite.csv",
        collection="toolbox",
        uploader="sophie.lemoine",
        rows=(
            ("axe", "indicateur", "annee", "femmes", "hommes", "source", "commentaire"),
            ("mixite", "Effectif total", "", "", "", "Registre du personnel", ""),
            ("mixite", "Effectif en production", "", "", "", "Registre du personnel", ""),
            ("parcours", "Promotions dans l'année", "", "", "", "Décisions RH", ""),
            ("parcours", "Heures de formation", "", "", "", "Plan de formation", ""),
            ("conditions", "Accidents du travail", "", "", "", "Registre des accidents", ""),
            ("temps", "Salariés à temps partiel", "", "", "", "Paie", ""),
            ("remuneration", "Salaire médian annuel", "", "", "", "Paie", ""),
        ),
    ),
    "notice-indicateurs-pdf": DocumentSpec(
        title="Notice du tableau de suivi des indicateurs",
        filename="notice-indicateurs-egalite.pdf",
        collection="toolbox",
        uploader="sophie.lemoine",
        pdf=(
            ("h", "Remplir le tableau de suivi"),
            (
                "ul",
                (
                    "Une ligne par indicateur et par année : gardez les années précédentes "
                    "pour voir les évolutions.",
                    "Les colonnes « femmes » et « hommes » reçoivent des nombres, sans unité.",
                    "Indiquez toujours la source : c'est ce qui permet de refaire le calcul "
                    "l'année suivante.",
                    "En dessous de cinq personnes dans une case, ne diffusez pas le chiffre "
                    "hors du groupe de travail.",
                ),
            ),
        ),
    ),
    "checklist-offre-txt": DocumentSpec(
        title="Liste de contrôle d'une offre d'emploi",
        filename="liste-controle-offre-emploi.txt",
        collection="toolbox",
        uploader="claire.morvan",
        text=(
            "LISTE DE CONTRÔLE : UNE OFFRE D'EMPLOI OUVERTE À TOUTES ET À TOUS\n"
            "\n"
            "Avant de publier, relisez l'offre à deux, dont une personne qui exerce le métier.\n"
            "\n"
            "[ ] L'intitulé est accordé aux deux genres (technicienne ou technicien).\n"
            "[ ] Les missions décrivent des gestes et des compétences, pas une force "
            "physique supposée.\n"
            "[ ] Les qualités attendues ne sont pas des traits de caractère associés à un "
            "sexe.\n"
            "[ ] Les exigences sont réellement nécessaires au poste (diplôme, expérience, "
            "permis).\n"
            "[ ] Les horaires et l'organisation du travail sont indiqués clairement.\n"
            "[ ] Les aménagements possibles (temps partiel, horaires) sont mentionnés.\n"
            "[ ] La rémunération ou sa fourchette figure dans l'offre.\n"
            "[ ] Les photos et les illustrations montrent des femmes et des hommes au "
            "travail.\n"
            "[ ] L'offre est diffusée aussi là où les candidates la verront (réseaux "
            "internes, écoles, associations).\n"
            "[ ] Le jury d'entretien est mixte, et la grille d'entretien est la même pour "
            "toutes et tous.\n"
        ),
    ),
    "kit-deroule-pdf": DocumentSpec(
        title="Déroulé d'une session pilote pour les PME (3 h 30)",
        filename="kit-formateur-deroule-session.pdf",
        collection="kit",
        uploader="sophie.lemoine",
        pdf=(
            ("h", "Session pilote : l'égalité, par où commencer ?"),
            ("p", "Public : 8 à 12 dirigeantes, dirigeants ou responsables RH de PME."),
            (
                "ul",
                (
                    "0 h 00 – Accueil, tour de table : une situation vécue dans l'entreprise.",
                    "0 h 20 – Quiz de la mixité (15 questions, réponses commentées).",
                    "0 h 50 – Les quatre écarts : capsule vidéo puis échanges.",
                    "1 h 30 – Pause.",
                    "1 h 45 – Atelier : remplir le tableau de suivi avec ses propres chiffres.",
                    "2 h 45 – Une mesure à tester dans les trois mois, présentée au groupe.",
                    "3 h 15 – Évaluation de la session et suite du parcours en ligne.",
                ),
            ),
            ("h", "Conseils d'animation"),
            (
                "ul",
                (
                    "Faire parler les entreprises avant d'apporter des chiffres.",
                    "Garder les données de chacun dans le groupe : rien ne sort de la salle.",
                    "Proposer un rendez-vous individuel à celles et ceux qui le souhaitent.",
                ),
            ),
        ),
    ),
    "kit-evaluation-csv": DocumentSpec(
        title="Questionnaire d'évaluation de la session (modèle)",
        filename="kit-formateur-evaluation.csv",
        collection="kit",
        uploader="sophie.lemoine",
        rows=(
            ("question", "type", "reponses_possibles"),
            ("La session a-t-elle répondu à vos attentes ?", "echelle", "1;2;3;4;5"),
            ("Le quiz vous a-t-il appris quelque chose ?", "oui_non", "oui;non"),
            ("Quelle mesure allez-vous tester ?", "texte", ""),
            ("Souhaitez-vous un rendez-vous individuel ?", "oui_non", "oui;non"),
            ("Que faudrait-il changer ?", "texte", ""),
        ),
    ),
}


@dataclass(frozen=True)
class ToolboxSpec:
    slug: str
    title: str
    author: str
    days_ago: int
    summary: str
    tool_kind: str
    audience: str
    description: str
    documents: tuple[tuple[str, str], ...]  # (key of DOCUMENTS, note)
    facets: Facets
    cover: Cover


TOOLBOX = (
    ToolboxSpec(
        slug="guide-diagnostic-quatre-axes",
        title="Guide : conduire un diagnostic égalité en quatre axes",
        author="claire.morvan",
        days_ago=50,
        summary=(
            "Un guide pas à pas pour lire les écarts entre femmes et hommes d'une PME sur "
            "quatre axes, avec les données à réunir et les questions à poser au groupe de "
            "travail."
        ),
        tool_kind=ToolKind.GUIDE,
        audience="Référentes et référents égalité, animatrices et animateurs de cluster",
        description=(
            "<p>Le guide reprend la méthode des Clusters Égalité : mixité des emplois, parcours "
            "professionnels, conditions de travail et risques, temps de travail. Chaque axe "
            "tient sur une page.</p>"
        ),
        documents=(("guide-quatre-axes", "PDF, quatre pages"),),
        facets=Facets(
            themes=("pay-equality-index", "working-conditions", "career-paths"),
            sectors=("business-services",),
            country="FR",
            region="Bretagne",
            actor_type=Actor.ASSOCIATION,
            spaces=("reseau-referents-egalite",),
        ),
        cover=Cover("#2b2d42", "#8d99ae", "grid", "Carrés gris bleuté en damier sur fond ardoise"),
    ),
    ToolboxSpec(
        slug="modele-suivi-indicateurs-egalite",
        title="Modèle : tableau de suivi des indicateurs égalité",
        author="sophie.lemoine",
        days_ago=37,
        summary=(
            "Un tableau prêt à remplir pour suivre, année après année, les indicateurs "
            "d'égalité d'une PME, avec sa notice."
        ),
        tool_kind=ToolKind.TEMPLATE,
        audience="Responsables RH, dirigeantes et dirigeants de PME",
        description=(
            "<p>Le modèle s'ouvre dans n'importe quel tableur. La notice explique comment le "
            "remplir et ce qu'il ne faut pas diffuser.</p>"
        ),
        documents=(
            ("modele-indicateurs-csv", "Modèle à remplir (CSV)"),
            ("notice-indicateurs-pdf", "Notice (PDF)"),
        ),
        facets=Facets(
            themes=("pay-equality-index", "career-paths"),
            sectors=("business-services",),
            country="FR",
            region="Bretagne",
            actor_type=Actor.SME,
            spaces=("reseau-referents-egalite", "plan-egalite-textile"),
        ),
        cover=Cover(
            "#52796f", "#cad2c5", "stripes", "Bandes obliques vert pâle sur fond vert-de-gris"
        ),
    ),
    ToolboxSpec(
        slug="liste-controle-offre-emploi",
        title="Liste de contrôle : une offre d'emploi ouverte à toutes et à tous",
        author="claire.morvan",
        days_ago=17,
        summary=(
            "Dix points à vérifier avant de publier une offre d'emploi, pour qu'elle parle aux "
            "candidates comme aux candidats."
        ),
        tool_kind=ToolKind.CHECKLIST,
        audience="Toute personne qui rédige ou publie une offre d'emploi",
        description=(
            "<p>Issue de l'atelier « offres d'emploi » des matinées « Raconte-moi ton métier ». "
            "À imprimer, ou à transmettre au siège ou au prestataire qui rédige vos "
            "annonces.</p>"
        ),
        documents=(("checklist-offre-txt", "Texte brut, une page"),),
        facets=Facets(
            themes=("recruitment", "gender-diversity-of-trades"),
            sectors=("business-services",),
            country="FR",
            region="Bretagne",
            actor_type=Actor.ASSOCIATION,
            spaces=("recruter-sans-stereotypes", "mixite-metiers-du-meuble"),
        ),
        cover=Cover("#ef476f", "#ffd166", "circles", "Cercles jaunes sur fond framboise"),
    ),
    ToolboxSpec(
        slug="kit-formateur-session-pilote",
        title="Kit formateur : animer une session pilote pour les PME",
        author="sophie.lemoine",
        days_ago=11,
        summary=(
            "Le déroulé d'une session de trois heures et demie et son questionnaire "
            "d'évaluation, pour les clusters qui forment eux-mêmes leurs PME. Réservé au "
            "comité de pilotage pendant la phase pilote."
        ),
        tool_kind=ToolKind.TRAINER_KIT,
        audience="Équipes des clusters qui forment leurs PME",
        description=(
            "<p>Ce kit accompagne les sessions pilotes du programme européen. Ses documents "
            "restent réservés aux membres du comité de pilotage tant que la session n'a pas été "
            "testée dans les trois clusters.</p>"
        ),
        documents=(
            ("kit-deroule-pdf", "Déroulé minute par minute"),
            ("kit-evaluation-csv", "Questionnaire à remettre en fin de session"),
        ),
        facets=Facets(
            themes=("career-paths", "gender-diversity-of-trades"),
            sectors=("business-services",),
            country="FR",
            region="Bretagne",
            actor_type=Actor.CLUSTER,
            spaces=("comite-de-pilotage",),
        ),
        cover=Cover("#14213d", "#fca311", "triangles", "Triangles orange sur fond bleu marine"),
    ),
)

# --- Members' contributions -------------------------------------------------------------------


@dataclass(frozen=True)
class ContributionSpec:
    """A sheet a member wrote on the site: fields in plain text, as the form sends them."""

    author: str
    state: str  # "draft", "submitted" or "changes_requested"
    fields: dict
    steps: tuple[Step, ...] = ()
    obstacles: tuple[Obstacle, ...] = ()
    stakeholders: tuple[Stakeholder, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    contacts: tuple[Contact, ...] = ()
    attachment: DocumentSpec | None = None
    comment: str = ""  # the reviewer's, when changes are requested


DRAFT = "draft"
SUBMITTED = "submitted"
CHANGES_REQUESTED = "changes_requested"

CONTRIBUTIONS = (
    ContributionSpec(
        author="maelle.legoff",
        state=SUBMITTED,
        fields={
            "title": "Réécrire nos offres de maintenance pour recevoir des candidatures de femmes",
            "summary": (
                "À la Conserverie Kerlann, les offres de technicien de maintenance ne recevaient "
                "aucune candidature féminine. Nous les avons réécrites avec le groupe de travail "
                "égalité et diffusées autrement."
            ),
            "observation": (
                "Depuis trois ans, nos offres de maintenance n'attiraient que des hommes, alors "
                "que la production emploie surtout des femmes.\n\n"
                "En relisant nos annonces, nous avons vu qu'elles décrivaient un métier de "
                "force et d'urgence, avec un vocabulaire entièrement au masculin."
            ),
            "objectives": (
                "- Recevoir des candidatures de femmes pour les postes de maintenance.\n"
                "- Proposer aux opératrices de production une évolution vers la maintenance."
            ),
            "results": (
                "Sur les deux dernières offres, quatre candidatures de femmes, dont deux "
                "opératrices de l'entreprise. Une technicienne a été recrutée."
            ),
            "lessons": "Relire une offre à plusieurs, avec des personnes qui font le métier.",
            "did_not_work": (
                "Les sites d'emploi spécialisés en maintenance n'ont apporté aucune candidature "
                "féminine : ce sont la diffusion interne et le lycée des métiers qui ont "
                "fonctionné."
            ),
            "country": "FR",
            "region": "Bretagne",
            "actor_type": Actor.SME,
            "start_year": 2024,
            "themes": ("recruitment", "gender-diversity-of-trades"),
            "sectors": ("agri-food",),
            "spaces": ("recruter-sans-stereotypes",),
        },
        steps=(
            Step(
                "Relire les offres avec le groupe de travail",
                "Une opératrice, un technicien, la responsable RH : chacun a souligné ce qui "
                "l'aurait découragé.",
            ),
            Step(
                "Décrire les gestes et les compétences",
                "Diagnostiquer une panne, lire un plan, régler une machine, plutôt que « "
                "résistant au stress et disponible ».",
            ),
            Step(
                "Diffuser en interne et au lycée des métiers",
                "Affichage dans les vestiaires, réunion d'équipe, et envoi aux classes de "
                "maintenance.",
            ),
        ),
        obstacles=(
            Obstacle(
                "Des chefs d'atelier attachés à l'ancienne annonce",
                "Nous leur avons montré les candidatures reçues les trois dernières années.",
            ),
        ),
        stakeholders=(
            Stakeholder("Entreprise porteuse", "conserverie-kerlann"),
            Stakeholder("Diffusion de l'offre aux élèves de maintenance", "lycee-pen-ar-roz"),
        ),
        indicators=(
            Indicator(Code.OTHER, "Candidatures de femmes reçues", 4, "candidatures"),
            Indicator(Code.WOMEN_RECRUITED, "Technicienne recrutée", 1, "femme"),
        ),
        contacts=(Contact("maelle.legoff", "Responsable RH et référente égalité"),),
        attachment=DocumentSpec(
            title="Offre de technicien·ne de maintenance, avant et après",
            filename="offre-maintenance-avant-apres.pdf",
            collection="contributions",
            uploader="maelle.legoff",
            pdf=(
                ("h", "Technicien·ne de maintenance : l'offre avant et après"),
                ("p", "Avant : « Homme de terrain, résistant, disponible jour et nuit. »"),
                (
                    "p",
                    "Après : « Vous diagnostiquez les pannes, réglez les lignes et proposez des "
                    "améliorations. Horaires en deux-huit, formation assurée. »",
                ),
            ),
        ),
    ),
    ContributionSpec(
        author="hugo.kerbrat",
        state=DRAFT,
        fields={
            "title": "Préparer notre premier calcul de l'index de l'égalité",
            "summary": (
                "Ce que nous faisons avant le premier calcul pour comprendre les indicateurs de "
                "l'index et vérifier nos données."
            ),
            "observation": (
                "Je viens de reprendre l'entreprise familiale : notre premier index de l'égalité "
                "est à publier l'an prochain, et personne ici ne l'a jamais calculé."
            ),
            "country": "FR",
            "region": "Bretagne",
            "actor_type": Actor.SME,
            "themes": ("pay-equality-index",),
            "sectors": ("agri-food",),
        },
        steps=(Step("Rassembler les données de paie des trois dernières années", ""),),
    ),
    ContributionSpec(
        author="thomas.lebihan",
        state=CHANGES_REQUESTED,
        fields={
            "title": "Des marraines du numérique et de l'industrie en classe de maintenance",
            "summary": (
                "Au lycée Pen ar Roz, des professionnelles viennent chaque mois en seconde "
                "maintenance raconter leur métier, et chaque élève fille a une marraine."
            ),
            "observation": (
                "Trois filles sur quarante-cinq élèves cette année en maintenance industrielle. "
                "Elles se sentent seules, et certaines abandonnent en cours d'année."
            ),
            "objectives": (
                "- Garder les filles inscrites jusqu'au diplôme.\n"
                "- Donner envie à d'autres de choisir la filière."
            ),
            "country": "FR",
            "region": "Bretagne",
            "actor_type": Actor.SCHOOL,
            "start_year": 2024,
            "themes": ("girls-career-guidance", "gender-diversity-of-trades"),
            "sectors": ("education-training",),
            "spaces": ("recruter-sans-stereotypes",),
        },
        steps=(
            Step(
                "Inviter une professionnelle chaque mois",
                "Une conductrice de ligne, une technicienne, une développeuse racontent leur "
                "parcours à la classe.",
            ),
            Step(
                "Proposer une marraine à chaque élève fille",
                "Un rendez-vous par mois, au lycée ou en entreprise.",
            ),
        ),
        stakeholders=(
            Stakeholder("Établissement porteur", "lycee-pen-ar-roz"),
            Stakeholder("Marraines bénévoles", "numerikelles"),
            Stakeholder("Interventions de conductrices de ligne", "verrerie-de-lannvor"),
        ),
        contacts=(Contact("thomas.lebihan", "Professeur de maintenance industrielle"),),
        comment=(
            "Merci Thomas, la démarche est claire et utile. Avant publication, pouvez-vous "
            "ajouter les chiffres de la rentrée (filles inscrites avant et après), un "
            "indicateur, et une ligne sur ce qui n'a pas fonctionné ? Je relirai dès que vous "
            "me la renverrez."
        ),
    ),
)

# --- Adoptions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdoptionSpec:
    practice: str  # a sheet's slug
    login: str  # declares for the organisation on their profile
    status: str
    note: str = ""
    show_publicly: bool = True


ADOPTING = Adoption.Status.ADOPTING
ADOPTED = Adoption.Status.ADOPTED

ADOPTIONS = (
    AdoptionSpec(
        CLUSTERS_EGALITE.slug,
        "maelle.legoff",
        ADOPTING,
        "Nous préparons notre premier accord avec la méthode du binôme direction–CSE.",
    ),
    AdoptionSpec(
        VERRIERES.slug,
        "maelle.legoff",
        ADOPTING,
        "Une piste pour nos opératrices ; nous en parlons avec le CSE avant de l'annoncer.",
        show_publicly=False,
    ),
    AdoptionSpec(
        STORY_WORKSHOPS.slug,
        "sandrine.quere",
        ADOPTED,
        "Nous avons repris l'atelier sur les offres d'emploi pour toutes nos annonces de "
        "production.",
    ),
    AdoptionSpec(
        GIRLS_DIGITAL.slug,
        "thomas.lebihan",
        ADOPTED,
        "Deux de nos élèves de seconde ont rejoint la promotion cette année.",
    ),
    AdoptionSpec(CLUSTERS_EGALITE.slug, "andrei.popa", ADOPTED, show_publicly=False),
)

# --- Where the practices are cited -----------------------------------------------------------


@dataclass(frozen=True)
class EventCitationSpec:
    event: str  # a demo event's slug (`_seed_events`)
    practices: tuple[str, ...]


# The events present the practices they were built on: the item pages list them.
EVENT_CITATIONS = (
    EventCitationSpec(
        "matinee-raconte-moi-ton-metier",
        (
            STORY_WORKSHOPS.slug,
            "liste-controle-offre-emploi",
            "capsule-elodie-conductrice-de-ligne",
        ),
    ),
    EventCitationSpec(
        "seminaire-capitalisation-saint-malo",
        (PROGRAMME.slug, CLUSTERS_EGALITE.slug, TERRITORIAL_SKILLS.slug),
    ),
)


@dataclass(frozen=True)
class ForumCitationSpec:
    space: str
    topic: str  # a demo topic's title (`_seed_forum`)
    author: str
    body: str  # Markdown; `{url}` becomes the item's address
    practice: str


# Replies that point to the library: a topic linking to an item is listed on the item's page.
FORUM_CITATIONS = (
    ForumCitationSpec(
        space="recruter-sans-stereotypes",
        topic="Ateliers « Raconte-moi ton métier » : vos retours d'expérience",
        author="claire.morvan",
        body=(
            "Pour celles et ceux qui veulent organiser leur propre matinée : le déroulé, ce qui "
            "a marché et ce qui a moins bien marché sont maintenant dans une fiche de la "
            "bibliothèque, [« Raconte-moi ton métier »]({url})."
        ),
        practice=STORY_WORKSHOPS.slug,
    ),
    ForumCitationSpec(
        space="filles-et-numerique",
        topic="Wi-Filles : quelqu'un a-t-il déjà accueilli une promotion en entreprise ?",
        author="nadia.belkacem",
        body=(
            "Nous avons décrit notre façon d'organiser les visites et le marrainage dans la "
            "fiche [Une promotion de lycéennes pour découvrir les métiers du numérique]({url}). "
            "N'hésitez pas à la commenter ici."
        ),
        practice=GIRLS_DIGITAL.slug,
    ),
)


# --- Generated files --------------------------------------------------------------------------


def _pdf(title: str, blocks: tuple[Block, ...], *, author: str) -> bytes:
    """A small real PDF (reportlab's built-in Helvetica, so Latin text only)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    story = []
    for kind, content in blocks:
        if kind == "h":
            story.append(Paragraph(_escape(content), styles["Heading2"]))
        elif kind == "p":
            story.append(Paragraph(_escape(content), styles["BodyText"]))
        else:
            items = [ListItem(Paragraph(_escape(item), styles["BodyText"])) for item in content]
            story.append(ListFlowable(items, bulletType="bullet", leftIndent=0.5 * cm))
        story.append(Spacer(1, 0.2 * cm))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=author,
        creator="Égalité Pro Clusters (démo)",
        invariant=1,  # the same bytes on every run
    )
    document.build(story)
    return buffer.getvalue()


def _escape(text: str) -> str:
    # reportlab's Paragraph reads a little markup: the demo texts are plain.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _csv(rows: tuple[tuple[str, ...], ...]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _file_bytes(spec: DocumentSpec, author: str) -> bytes:
    if spec.pdf:
        return _pdf(spec.title, spec.pdf, author=author)
    if spec.rows:
        return _csv(spec.rows)
    return spec.text.encode("utf-8")


def _cover_png(cover: Cover, seed: str) -> bytes:
    """A 960×540 cover: a pattern of simple shapes, no text (its alt text says what it shows)."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    width, height = 960, 540
    image = PILImage.new("RGB", (width, height), cover.background)
    draw = ImageDraw.Draw(image)
    rnd = random.Random(seed)  # noqa: S311 - a pattern, not a secret
    accent = cover.accent
    if cover.motif == "circles":
        for _ in range(14):
            x, y, r = rnd.randrange(width), rnd.randrange(height), rnd.randrange(30, 130)
            draw.ellipse((x - r, y - r, x + r, y + r), outline=accent, width=rnd.choice((6, 10)))
    elif cover.motif == "stripes":
        for x in range(-height, width, 90):
            draw.polygon(
                [(x, height), (x + 40, height), (x + 40 + height, 0), (x + height, 0)], fill=accent
            )
    elif cover.motif == "triangles":
        size = 120
        for row, y in enumerate(range(0, height + size, size)):
            for x in range(-size if row % 2 else 0, width + size, size * 2):
                draw.polygon([(x, y + size), (x + size, y + size), (x + size // 2, y)], fill=accent)
    elif cover.motif == "arcs":
        for r in range(60, 1100, 70):
            draw.ellipse((width - r, height - r, width + r, height + r), outline=accent, width=14)
    elif cover.motif == "dots":
        for y in range(30, height, 60):
            for x in range(30, width, 60):
                r = rnd.choice((6, 10, 14))
                draw.ellipse((x - r, y - r, x + r, y + r), fill=accent)
    elif cover.motif == "squares":
        for row, y in enumerate(range(0, height, 80)):
            for x in range(40 if row % 2 else 0, width, 80):
                draw.rectangle((x + 12, y + 12, x + 52, y + 52), fill=accent)
    else:  # grid
        for row, y in enumerate(range(0, height, 90)):
            for x in range(90 if row % 2 else 0, width, 180):
                draw.rectangle((x, y, x + 90, y + 90), fill=accent)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# --- Building ---------------------------------------------------------------------------------


@dataclass
class LibrarySeed:
    created: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)


class _Seeder:
    def __init__(self, users: dict[str, User]):
        self.users = users
        self.now = timezone.now()
        self.index = LibraryIndexPage.objects.get()
        self.publisher = users[PUBLISHER]
        # The demo is written in French, whatever the site's default language: the originals
        # are pages of the `fr` locale, their translations of the `en` one.
        self.french = Locale.objects.get(language_code="fr")
        self.themes = {term.slug: term for term in Theme.objects.all()}
        self.sectors = {term.slug: term for term in Sector.objects.all()}
        self.spaces = {space.slug: space for space in Space.objects.all()}
        self.organisations = {org.slug: org for org in Organisation.objects.all()}
        self._collections: dict[str, Collection] = {}
        self.touched: set[int] = set()  # pages whose references to index at the end

    def existing_slugs(self) -> set[str]:
        return set(self.index.get_children().values_list("slug", flat=True))

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    # --- Collections, documents, images -----------------------------------------------------

    def collection(self, key: str) -> Collection:
        """A collection by key: "library", "toolbox" and "contributions" come from the
        migration; "kit" is the toolbox's sub-collection that Claire, who animates the steering
        committee's space, makes private to it."""
        from community.library.services.documents import private_collection_create

        if key not in self._collections:
            names = {
                "library": LIBRARY_COLLECTION,
                "toolbox": TOOLBOX_COLLECTION,
                "contributions": "Contributions",
            }
            if key == "kit":
                toolbox = self.collection("toolbox")
                kit = toolbox.get_children().filter(name=PRIVATE_KIT_COLLECTION).first()
                if kit is None:
                    kit = toolbox.add_child(name=PRIVATE_KIT_COLLECTION)
                if not PrivateCollection.objects.filter(collection=kit).exists():
                    private_collection_create(
                        by=self.users[REVIEWER],
                        collection=kit,
                        space=self.spaces[PRIVATE_KIT_SPACE],
                    )
                self._collections[key] = kit
            else:
                self._collections[key] = Collection.objects.get(name=names[key], depth=2)
        return self._collections[key]

    def document(self, key: str) -> LibraryDocument:
        """Uploaded by its author as on the site (the file is checked by its content); one
        already in its collection under that title is reused."""
        from community.library.services.documents import document_upload

        spec = DOCUMENTS[key]
        collection = self.collection(spec.collection)
        found = LibraryDocument.objects.filter(title=spec.title, collection=collection).first()
        if found is not None:
            return found
        uploader = self.users[spec.uploader]
        data = _file_bytes(spec, uploader.profile.display_name)
        return document_upload(
            by=uploader,
            file=ContentFile(data, name=spec.filename),
            title=spec.title,
            collection=collection,
        )

    def cover(self, cover: Cover | None, *, slug: str, owner: User):
        if cover is None:
            return None
        from wagtail.images import get_image_model

        image = get_image_model()(
            title=cover.alt,
            file=ImageFile(io.BytesIO(_cover_png(cover, slug)), name=f"couverture-{slug}.png"),
            uploaded_by_user=owner,
        )
        image._set_image_file_metadata()
        image.save()
        return image

    # --- Pages ------------------------------------------------------------------------------

    def item(self, model, *, slug, title, author, summary, facets: Facets, cover, **fields):
        owner = self.users[author]
        return model(
            title=title,
            slug=slug,
            locale=self.french,
            owner=owner,
            summary=summary,
            cover_image=self.cover(cover, slug=slug, owner=owner),
            country=facets.country,
            region=facets.region,
            actor_type=facets.actor_type,
            featured=facets.featured,
            **fields,
        )

    def publish(self, page: LibraryItem, facets: Facets, *, when: datetime) -> LibraryItem:
        """Add `page` under the index, written by its owner, published by the platform's staff
        at `when`."""
        marks = self._marks()
        self.index.add_child(instance=page)
        page.themes.set([self.themes[slug] for slug in facets.themes])
        page.sectors.set([self.sectors[slug] for slug in facets.sectors])
        page.spaces.set([self.spaces[slug] for slug in facets.spaces])
        page.save_revision(user=page.owner).publish(user=self.publisher)
        self._date(page, marks, when, first=True)
        self.touched.add(page.pk)
        return type(page).objects.get(pk=page.pk)

    def _marks(self) -> tuple[int, int]:
        last_revision = Revision.objects.order_by("-pk").values_list("pk", flat=True).first()
        last_entry = PageLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
        return last_revision or 0, last_entry or 0

    def _date(self, page, marks: tuple[int, int], when: datetime, *, first: bool) -> None:
        """Move what the last publication wrote (its revision, its history) back to `when`."""
        moved = {"last_published_at": when, "latest_revision_created_at": when}
        if first:
            moved["first_published_at"] = when
        Page.objects.filter(pk=page.pk).update(**moved)
        Revision.objects.filter(pk__gt=marks[0], object_id=str(page.pk)).update(created_at=when)
        PageLogEntry.objects.filter(pk__gt=marks[1], page_id=page.pk).update(timestamp=when)

    def sheet_page(self, spec: SheetSpec) -> PracticeSheetPage:
        page = self.item(
            PracticeSheetPage,
            slug=spec.slug,
            title=spec.title,
            author=spec.author,
            summary=spec.summary,
            facets=spec.facets,
            cover=spec.cover,
            observation=spec.observation,
            objectives=spec.objectives,
            results=spec.results,
            lessons=spec.lessons,
            did_not_work=spec.did_not_work,
            start_year=spec.start_year,
            end_year=spec.end_year,
        )
        self.fill_rows(page, spec)
        return page

    def fill_rows(self, page: PracticeSheetPage, spec: SheetSpec) -> None:
        page.steps = [
            PracticeStep(sort_order=n, title=s.title, description=s.description)
            for n, s in enumerate(spec.steps)
        ]
        page.obstacles = [
            PracticeObstacle(sort_order=n, obstacle=o.obstacle, response=o.response)
            for n, o in enumerate(spec.obstacles)
        ]
        page.stakeholders = [
            PracticeStakeholder(
                sort_order=n,
                organisation=self.organisations[s.organisation] if s.organisation else None,
                name=s.name,
                role=s.role,
            )
            for n, s in enumerate(spec.stakeholders)
        ]
        page.indicators = [
            PracticeIndicator(
                sort_order=n, code=i.code, label=i.label, value=Decimal(i.value), unit=i.unit
            )
            for n, i in enumerate(spec.indicators)
        ]
        page.contacts = [
            PracticeContact(sort_order=n, user=self.users[c.login], role=c.role)
            for n, c in enumerate(spec.contacts)
        ]
        page.documents = [
            PracticeDocument(sort_order=n, document=self.document(key))
            for n, key in enumerate(spec.documents)
        ]
        page.videos = [
            PracticeVideo(sort_order=n, title=title, url=url)
            for n, (title, url) in enumerate(spec.videos)
        ]

    def add_sheet(self, spec: SheetSpec) -> None:
        self.publish(self.sheet_page(spec), spec.facets, when=self.ago(spec.days_ago))

    def add_translation(self, spec: TranslationSpec) -> None:
        """The English version: copied from the original (`translation_create`, which records
        the original's publication it follows), written in English and published a few days
        later; then, for one of them, the original is republished, so the translation is
        behind it."""
        from community.library.services.translations import translation_create

        original = PracticeSheetPage.objects.get(slug=spec.original, locale=self.french)
        marks = self._marks()
        page = translation_create(by=original.owner, page=original, locale="en")
        english = spec.sheet
        for name in (
            "title",
            "summary",
            "observation",
            "objectives",
            "results",
            "lessons",
            "did_not_work",
        ):
            setattr(page, name, getattr(english, name))
        self.fill_rows(page, english)
        page.save_revision(user=page.owner).publish(user=self.publisher)
        when = original.last_published_at + timedelta(days=spec.days_after)
        self._date(page, marks, when, first=True)
        self.touched.add(page.pk)
        if spec.original_update:
            marks = self._marks()
            original.results += spec.original_update
            original.save_revision(user=original.owner).publish(user=self.publisher)
            self._date(original, marks, self.ago(spec.original_updated_days_ago), first=False)
            self.touched.add(original.pk)

    def add_interview(self, spec: InterviewSpec) -> None:
        person = self.users[spec.person]
        organisation = self.organisations[spec.organisation]
        page = self.item(
            InterviewPage,
            slug=spec.slug,
            title=spec.title,
            author=spec.author,
            summary=spec.summary,
            facets=spec.facets,
            cover=spec.cover,
            person_name=person.profile.display_name,
            person_role=spec.person_role,
            person=person,
            organisation=organisation,
            organisation_name=organisation.name,
            interview_date=self.ago(spec.days_ago + 12).date(),
            questions=[
                {"type": "qa", "value": {"question": question, "answer": answer}}
                for question, answer in spec.questions
            ],
            media_url=spec.media_url,
            transcript=_transcript(spec, person.profile.display_name),
        )
        self.publish(page, spec.facets, when=self.ago(spec.days_ago))

    def add_video(self, spec: VideoSpec) -> None:
        page = self.item(
            VideoCapsulePage,
            slug=spec.slug,
            title=spec.title,
            author=spec.author,
            summary=spec.summary,
            facets=spec.facets,
            cover=spec.cover,
            video_url=spec.video_url,
            duration=spec.duration,
            transcript=spec.transcript,
        )
        self.publish(page, spec.facets, when=self.ago(spec.days_ago))

    def add_toolbox(self, spec: ToolboxSpec) -> None:
        page = self.item(
            ToolboxItemPage,
            slug=spec.slug,
            title=spec.title,
            author=spec.author,
            summary=spec.summary,
            facets=spec.facets,
            cover=spec.cover,
            tool_kind=spec.tool_kind,
            audience=spec.audience,
            description=spec.description,
        )
        page.tool_documents = [
            ToolboxDocument(sort_order=n, document=self.document(key), note=note)
            for n, (key, note) in enumerate(spec.documents)
        ]
        self.publish(page, spec.facets, when=self.ago(spec.days_ago))

    # --- What members did -------------------------------------------------------------------

    def contribution_exists(self, spec: ContributionSpec) -> bool:
        return PracticeSheetPage.objects.filter(
            owner=self.users[spec.author], title=spec.fields["title"]
        ).exists()

    def add_contribution(self, spec: ContributionSpec) -> None:
        """Written, saved and submitted as on the site; Claire asks for changes on one."""
        from community.library.services.contributions import (
            review_decide,
            sheet_save,
            sheet_submit,
        )

        author = self.users[spec.author]
        fields = dict(spec.fields)
        fields["themes"] = [self.themes[slug] for slug in fields.get("themes", ())]
        fields["sectors"] = [self.sectors[slug] for slug in fields.get("sectors", ())]
        fields["spaces"] = [self.spaces[slug] for slug in fields.get("spaces", ())]
        documents = []
        if spec.attachment is not None:
            data = _file_bytes(spec.attachment, author.profile.display_name)
            documents.append(
                {
                    "file": ContentFile(data, name=spec.attachment.filename),
                    "title": spec.attachment.title,
                }
            )
        page = sheet_save(
            by=author,
            fields=fields,
            steps=[{"title": s.title, "description": s.description} for s in spec.steps],
            obstacles=[{"obstacle": o.obstacle, "response": o.response} for o in spec.obstacles],
            stakeholders=[
                {
                    "organisation": self.organisations[s.organisation] if s.organisation else None,
                    "name": s.name,
                    "role": s.role,
                }
                for s in spec.stakeholders
            ],
            indicators=[
                {"code": i.code, "label": i.label, "value": Decimal(i.value), "unit": i.unit}
                for i in spec.indicators
            ],
            contacts=[{"user": self.users[c.login], "role": c.role} for c in spec.contacts],
            documents=documents,
            videos=[],
        )
        self.touched.add(page.pk)
        if spec.state == DRAFT:
            return
        sheet_submit(by=author, page=page)
        if spec.state == CHANGES_REQUESTED:
            review_decide(by=self.users[REVIEWER], page=page, action="reject", comment=spec.comment)

    def add_adoption(self, spec: AdoptionSpec) -> bool:
        """Declared by a member for the organisation on their profile; False if already there."""
        from community.library.services.adoptions import adoption_declare

        user = self.users[spec.login]
        practice = PracticeSheetPage.objects.get(slug=spec.practice, locale=self.french)
        organisation = user.profile.organisation
        if Adoption.objects.filter(practice=practice, organisation=organisation).exists():
            return False
        adoption_declare(
            by=user,
            practice=practice,
            status=spec.status,
            note=spec.note,
            show_publicly=spec.show_publicly,
        )
        return True

    def cite_at_event(self, spec: EventCitationSpec) -> bool:
        """The event presents the practices, in a new revision its owner publishes; False when
        it already presents some, or when the demo has no such event."""
        from events.models import EventPage

        event = EventPage.objects.filter(slug=spec.event).first()
        if event is None or event.practices.exists():
            return False
        items = LibraryItem.objects.filter(slug__in=spec.practices, locale=self.french)
        event.practices.set(list(items))
        event.save_revision(user=event.owner).publish(user=event.owner)
        self.touched.add(event.pk)
        return True

    def cite_in_forum(self, spec: ForumCitationSpec) -> bool:
        """A reply linking to the item, written through the forum's services; False when the
        topic already links to it, or when the demo has no such topic."""
        from forum.models import Topic
        from forum.services import post_create

        practice = LibraryItem.objects.get(slug=spec.practice, locale=self.french)
        url = practice.get_url()
        topic = Topic.objects.filter(space__slug=spec.space, title=spec.topic).first()
        if topic is None or topic.posts.filter(body__contains=url).exists():
            return False
        post_create(author=self.users[spec.author], topic=topic, body=spec.body.format(url=url))
        return True

    def index_references(self) -> None:
        """Record, once per page, what it uses (documents, images, organisations) for the
        admin's usage counts; saving every row would have recorded it a dozen times."""
        for page in Page.objects.filter(pk__in=self.touched).specific():
            ReferenceIndex.create_or_update_for_object(page)

    def add_expert(self) -> None:
        """Sophie answers when an animator asks for an expert's opinion on a sheet."""
        Group.objects.get(name=EXPERT_GROUP).user_set.add(self.users[EXPERT])


def _transcript(spec: InterviewSpec, person_name: str) -> str:
    """The recording's words: each question, then the answer, with who speaks."""
    parts = []
    for question, answer in spec.questions:
        parts.append(f"<p><b>{spec.interviewer} :</b> {question}</p>")
        parts.append(answer.replace("<p>", f"<p><b>{person_name} :</b> ", 1))
    return "".join(parts)


def seed_library(users: dict[str, User]) -> LibrarySeed:
    """Create the demo library items missing for `users` (demo login -> account).

    Each item is built in its own savepoint: one the rules refuse is left out whole and
    reported, and the others still go in.
    """
    result = LibrarySeed()
    with disable_reference_index_auto_update():
        _build(_Seeder(users), result)
    return result


def _build(seeder: _Seeder, result: LibrarySeed) -> None:
    seeder.add_expert()
    existing = seeder.existing_slugs()

    steps: list[tuple[str, Callable[[], None]]] = [
        *((s.slug, lambda s=s: seeder.add_sheet(s)) for s in SHEETS),
        *((t.sheet.slug, lambda t=t: seeder.add_translation(t)) for t in TRANSLATIONS),
        *((i.slug, lambda i=i: seeder.add_interview(i)) for i in INTERVIEWS),
        *((v.slug, lambda v=v: seeder.add_video(v)) for v in VIDEOS),
        *((t.slug, lambda t=t: seeder.add_toolbox(t)) for t in TOOLBOX),
    ]
    for slug, build in steps:
        if slug in existing:
            result.skipped += 1
            continue
        if _attempt(result, slug, build):
            result.created += 1

    for contribution in CONTRIBUTIONS:
        if seeder.contribution_exists(contribution):
            result.skipped += 1
        elif _attempt(
            result, contribution.fields["title"], lambda c=contribution: seeder.add_contribution(c)
        ):
            result.created += 1

    for adoption in ADOPTIONS:
        _attempt(
            result, f"adoption of {adoption.practice}", lambda a=adoption: seeder.add_adoption(a)
        )
    for citation in EVENT_CITATIONS:
        _attempt(result, f"event {citation.event}", lambda c=citation: seeder.cite_at_event(c))
    for citation in FORUM_CITATIONS:
        _attempt(result, f"topic {citation.topic}", lambda c=citation: seeder.cite_in_forum(c))
    seeder.index_references()


def _attempt(result: LibrarySeed, what: str, build: Callable[[], object]) -> bool:
    try:
        with transaction.atomic():
            build()
    except (PermissionDenied, ValidationError, KeyError, LibraryItem.DoesNotExist) as error:
        result.problems.append(f"{what}: {error}")
        return False
    return True
