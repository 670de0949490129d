"""Build a fictional demo world: clusters, organisations, members, spaces, pages and forum.

Every person and organisation here is invented. Spaces and memberships go through the
community services, and the forum (`_seed_forum`) through the forum services, so the demo also
holds the notifications real use would have left (join requests, approvals, invitations,
replies, mentions). Running the command again changes nothing: once any demo account exists,
the world is not rebuilt, and forum topics already in their space are skipped; it then only
prints the log-ins.
"""

from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import translation

from community.management.commands._seed_chat import seed_chat
from community.management.commands._seed_events import seed_events
from community.management.commands._seed_forum import seed_forum
from community.management.commands._seed_library import seed_library
from community.management.commands._seed_mentorship import seed_mentorship
from community.models import (
    Cluster,
    ContentPage,
    HomeFeaturedSpace,
    HomePage,
    Language,
    LegalPages,
    Membership,
    Organisation,
    Role,
    Sector,
    Space,
    Theme,
    User,
)
from community.services import (
    cluster_update,
    invitation_accept,
    membership_decide,
    membership_set_role,
    organisation_create,
    profile_create,
    profile_update,
    space_create,
    space_invite,
    space_join,
)

DEMO_DOMAIN = "demo.egalite.example"
DEMO_PASSWORD = "demo-egalite-2026"  # noqa: S105 - published on purpose, demo only
STAFF_LOGIN = "admin"
STAFF_NAME = "Équipe de la plateforme"

# --- Clusters ---------------------------------------------------------------------------------

CLUSTERS = (
    {
        "slug": "cluster-egalite-armor",
        "name": "Cluster Égalité Armor",
        "country": "FR",
        "region": "Bretagne",
        "website": "https://cluster-egalite-armor.example",
        "description": (
            "Une vingtaine d'entreprises bretonnes, surtout des PME, qui se retrouvent tous les "
            "deux mois pour diagnostiquer leurs écarts entre femmes et hommes et bâtir leur plan "
            "d'action égalité, avec l'appui de l'association Armor Travail & Égalité."
        ),
        "animators": ("claire.morvan",),
    },
    {
        "slug": "cluster-mueble-levante",
        "name": "Clúster Mueble Levante",
        "country": "ES",
        "region": "Comunitat Valenciana",
        "website": "https://mueble-levante.example",
        "description": (
            "Le cluster valencien de l'ameublement : fabricants, tapissiers et designers qui "
            "cherchent à attirer davantage de femmes dans les ateliers et de jeunes dans le "
            "métier."
        ),
        "animators": ("lucia.ferrer",),
    },
    {
        "slug": "cluster-textil-carpati",
        "name": "Cluster Textil Carpați",
        "country": "RO",
        "region": "Nord-Est",
        "website": "https://textil-carpati.example",
        "description": (
            "Des ateliers de confection du nord-est de la Roumanie, où les femmes sont "
            "majoritaires à la production et rares à l'encadrement, et qui veulent changer cela."
        ),
        "animators": ("ioana.vasilescu",),
    },
)

# --- Organisations ----------------------------------------------------------------------------

ORGANISATIONS = (
    {
        "slug": "armor-travail-egalite",
        "name": "Armor Travail & Égalité",
        "kind": Organisation.Kind.ASSOCIATION,
        "size_band": Organisation.SizeBand.PME,
        "sector": "business-services",
        "country": "FR",
        "region": "Bretagne",
        "description": (
            "Association régionale qui accompagne les entreprises sur les conditions de travail "
            "et l'égalité professionnelle ; elle anime le Cluster Égalité Armor."
        ),
        "referent": "claire.morvan",
        "clusters": ("cluster-egalite-armor",),
    },
    {
        "slug": "conserverie-kerlann",
        "name": "Conserverie Kerlann",
        "kind": Organisation.Kind.COMPANY,
        "size_band": Organisation.SizeBand.PME,
        "sector": "agri-food",
        "country": "FR",
        "region": "Bretagne",
        "description": (
            "Conserverie familiale de poissons, 85 salariées et salariés. Les lignes de "
            "production sont très féminisées, la maintenance très masculine."
        ),
        "referent": "maelle.legoff",
        "clusters": ("cluster-egalite-armor",),
    },
    {
        "slug": "verrerie-de-lannvor",
        "name": "Verrerie de Lannvor",
        "kind": Organisation.Kind.COMPANY,
        "size_band": Organisation.SizeBand.GE,
        "sector": "manufacturing",
        "country": "FR",
        "region": "Bretagne",
        "description": (
            "Verrerie industrielle. Son réseau interne « Les Verrières » fait connaître les "
            "métiers de la production aux collégiennes et soutient les femmes qui y travaillent."
        ),
        "referent": "sandrine.quere",
        "clusters": ("cluster-egalite-armor",),
    },
    {
        "slug": "numerikelles",
        "name": "Numérik'Elles",
        "kind": Organisation.Kind.ASSOCIATION,
        "size_band": Organisation.SizeBand.TPE,
        "sector": "digital",
        "country": "FR",
        "region": "Bretagne",
        "description": (
            "Association qui accompagne chaque année une promotion de lycéennes de 14 à 17 ans "
            "vers les métiers du numérique : ateliers, visites d'entreprises et marrainage."
        ),
        "referent": "nadia.belkacem",
        "clusters": ("cluster-egalite-armor",),
    },
    {
        "slug": "lycee-pen-ar-roz",
        "name": "Lycée professionnel Pen ar Roz",
        "kind": Organisation.Kind.SCHOOL,
        "size_band": Organisation.SizeBand.PME,
        "sector": "education-training",
        "country": "FR",
        "region": "Bretagne",
        "description": (
            "Lycée des métiers de la maintenance industrielle et de la productique, qui veut "
            "accueillir plus de filles dans ses filières techniques."
        ),
        "referent": "thomas.lebihan",
        "clusters": ("cluster-egalite-armor",),
    },
    {
        "slug": "lannvor-agglomeration",
        "name": "Lannvor Agglomération",
        "kind": Organisation.Kind.PUBLIC_BODY,
        "size_band": "",
        "sector": "public-sector",
        "country": "FR",
        "region": "Bretagne",
        "description": (
            "Communauté d'agglomération qui anime la démarche emplois et compétences du "
            "territoire avec les entreprises, les écoles et le service public de l'emploi."
        ),
        "referent": "julien.guillou",
        "clusters": ("cluster-egalite-armor",),
    },
    {
        "slug": "ty-conseil-egalite",
        "name": "Ty Conseil Égalité (SCOP)",
        "kind": Organisation.Kind.COMPANY,
        "size_band": Organisation.SizeBand.TPE,
        "sector": "social-economy",
        "country": "FR",
        "region": "Bretagne",
        "description": (
            "Coopérative de conseil et de formation sur l'égalité professionnelle ; elle "
            "conçoit avec les trois clusters les modules de formation destinés aux PME."
        ),
        "referent": "sophie.lemoine",
        "clusters": ("cluster-egalite-armor", "cluster-mueble-levante", "cluster-textil-carpati"),
    },
    {
        "slug": "asociacion-mueble-levante",
        "name": "Asociación Clúster Mueble Levante",
        "kind": Organisation.Kind.CLUSTER,
        "size_band": Organisation.SizeBand.TPE,
        "sector": "furniture-wood",
        "country": "ES",
        "region": "Comunitat Valenciana",
        "description": "L'équipe permanente du cluster valencien de l'ameublement.",
        "referent": "lucia.ferrer",
        "clusters": ("cluster-mueble-levante",),
    },
    {
        "slug": "muebles-albufera",
        "name": "Muebles Albufera",
        "kind": Organisation.Kind.COMPANY,
        "size_band": Organisation.SizeBand.PME,
        "sector": "furniture-wood",
        "country": "ES",
        "region": "Comunitat Valenciana",
        "description": "Fabricant de mobilier de bureau, 60 personnes, deux ateliers.",
        "referent": "pablo.navarro",
        "clusters": ("cluster-mueble-levante",),
    },
    {
        "slug": "tapizados-del-turia",
        "name": "Tapizados del Turia",
        "kind": Organisation.Kind.COMPANY,
        "size_band": Organisation.SizeBand.TPE,
        "sector": "furniture-wood",
        "country": "ES",
        "region": "Comunitat Valenciana",
        "description": "Atelier de tapisserie d'ameublement créé par deux artisanes.",
        "referent": "carmen.ortiz",
        "clusters": ("cluster-mueble-levante",),
    },
    {
        "slug": "asociatia-textil-carpati",
        "name": "Asociația Textil Carpați",
        "kind": Organisation.Kind.CLUSTER,
        "size_band": Organisation.SizeBand.TPE,
        "sector": "textile",
        "country": "RO",
        "region": "Nord-Est",
        "description": "La structure qui anime le cluster textile et ses formations.",
        "referent": "ioana.vasilescu",
        "clusters": ("cluster-textil-carpati",),
    },
    {
        "slug": "confectii-siret",
        "name": "Confecții Siret",
        "kind": Organisation.Kind.COMPANY,
        "size_band": Organisation.SizeBand.ETI,
        "sector": "textile",
        "country": "RO",
        "region": "Nord-Est",
        "description": (
            "Confection de vêtements de travail, 420 salariés dont trois quarts de femmes."
        ),
        "referent": "andrei.popa",
        "clusters": ("cluster-textil-carpati",),
    },
)

# --- Members ----------------------------------------------------------------------------------

# `visibility` overrides some of the `<field>_visibility` columns ("profile" is the whole
# profile); everything else keeps the default, "members".
MEMBERS = (
    {
        "login": "claire.morvan",
        "name": "Claire Morvan",
        "organisation": "armor-travail-egalite",
        "country": "FR",
        "region": "Bretagne",
        "languages": ("fr", "en"),
        "sectors": ("business-services", "agri-food", "manufacturing"),
        "themes": ("recruitment", "pay-equality-index", "work-life-balance", "working-conditions"),
        "roles": ("animator", "trainer"),
        "bio": (
            "J'anime le Cluster Égalité Armor depuis sa création. Ergonome de formation, "
            "j'aide les PME à lire leurs chiffres et à passer du diagnostic au plan d'action."
        ),
    },
    {
        "login": "lucia.ferrer",
        "name": "Lucía Ferrer Roig",
        "organisation": "asociacion-mueble-levante",
        "country": "ES",
        "region": "Comunitat Valenciana",
        "languages": ("es", "en", "fr"),
        "sectors": ("furniture-wood",),
        "themes": ("industry", "gender-diversity-of-trades", "recruitment"),
        "roles": ("animator",),
        "bio": (
            "Animatrice du Clúster Mueble Levante. Je cherche des idées pour que nos ateliers "
            "recrutent enfin des menuisières et des vernisseuses."
        ),
    },
    {
        "login": "ioana.vasilescu",
        "name": "Ioana Vasilescu",
        "organisation": "asociatia-textil-carpati",
        "country": "RO",
        "region": "Nord-Est",
        "languages": ("ro", "en", "fr"),
        "sectors": ("textile",),
        "themes": ("working-conditions", "career-paths", "pay-equality-index"),
        "roles": ("animator", "trainer"),
        "bio": (
            "J'anime le cluster textile. Dans nos ateliers, neuf personnes sur dix sont des "
            "femmes, mais très peu deviennent cheffes d'équipe : c'est notre chantier."
        ),
        "visibility": {"languages": "spaces"},
    },
    {
        "login": "maelle.legoff",
        "name": "Maëlle Le Goff",
        "organisation": "conserverie-kerlann",
        "country": "FR",
        "region": "Bretagne",
        "languages": ("fr", "en"),
        "sectors": ("agri-food",),
        "themes": ("recruitment", "work-life-balance", "parenthood"),
        "roles": ("sme-member", "mentee"),
        "bio": (
            "Responsable des ressources humaines et référente égalité de la conserverie. "
            "Je prépare notre premier vrai plan d'action et j'apprends beaucoup des autres."
        ),
        "visibility": {"location": "spaces"},
    },
    {
        "login": "gwenaelle.tanguy",
        "name": "Gwenaëlle Tanguy",
        "organisation": "conserverie-kerlann",
        "country": "FR",
        "region": "Bretagne",
        "languages": ("fr",),
        "sectors": ("agri-food",),
        "themes": ("working-conditions", "sexist-sexual-violence"),
        "roles": ("sme-member",),
        "bio": "Cheffe d'équipe sur la ligne d'emboîtage, élue au comité social et économique.",
        "visibility": {"profile": "private", "bio": "private"},
    },
    {
        "login": "hugo.kerbrat",
        "name": "Hugo Kerbrat",
        "organisation": "conserverie-kerlann",
        "country": "FR",
        "region": "Bretagne",
        "languages": ("fr", "en"),
        "sectors": ("agri-food",),
        "themes": ("pay-equality-index", "recruitment"),
        "roles": ("sme-member",),
        "bio": (
            "Je viens de reprendre l'entreprise familiale. Je veux comprendre l'index de "
            "l'égalité avant notre premier calcul plutôt qu'après."
        ),
        "visibility": {"themes": "spaces"},
    },
    {
        "login": "sandrine.quere",
        "name": "Sandrine Quéré",
        "organisation": "verrerie-de-lannvor",
        "country": "FR",
        "region": "Bretagne",
        "languages": ("fr", "en", "de"),
        "sectors": ("manufacturing",),
        "themes": ("industry", "gender-diversity-of-trades", "girls-career-guidance"),
        "roles": ("mentor",),
        "bio": (
            "Responsable RH de la verrerie et cofondatrice du réseau « Les Verrières ». "
            "Je marraine volontiers les référentes qui débutent."
        ),
    },
    {
        "login": "elodie.marchand",
        "name": "Élodie Marchand",
        "organisation": "verrerie-de-lannvor",
        "country": "FR",
        "region": "Bretagne",
        "languages": ("fr",),
        "sectors": ("manufacturing",),
        "themes": ("career-paths", "gender-diversity-of-trades"),
        "roles": ("mentee",),
        "bio": (
            "Conductrice de ligne depuis six ans, je vise un poste de cheffe d'équipe et "
            "j'interviens dans les collèges pour parler de mon métier."
        ),
        "visibility": {"roles": "private", "bio": "spaces"},
    },
    {
        "login": "nadia.belkacem",
        "name": "Nadia Belkacem",
        "organisation": "numerikelles",
        "country": "FR",
        "region": "Bretagne",
        "languages": ("fr", "ar", "en"),
        "sectors": ("digital", "education-training"),
        "themes": ("girls-career-guidance", "digital", "gender-diversity-of-trades"),
        "roles": ("trainer", "mentor"),
        "bio": (
            "Coordinatrice de Numérik'Elles : chaque année, une promotion de lycéennes découvre "
            "le code, le design et la cybersécurité avec des professionnelles bénévoles."
        ),
    },
    {
        "login": "ines.roussel",
        "name": "Inès Roussel",
        "organisation": None,
        "country": "FR",
        "region": "Bretagne",
        "languages": ("fr", "en", "es"),
        "sectors": ("digital",),
        "themes": ("digital", "womens-entrepreneurship", "girls-career-guidance"),
        "roles": ("mentor",),
        "bio": (
            "Développeuse indépendante et marraine bénévole chez Numérik'Elles. "
            "J'ai créé mon entreprise à 28 ans et j'en parle volontiers."
        ),
        "visibility": {"sectors": "private"},
    },
    {
        "login": "thomas.lebihan",
        "name": "Thomas Le Bihan",
        "organisation": "lycee-pen-ar-roz",
        "country": "FR",
        "region": "Bretagne",
        "languages": ("fr", "en"),
        "sectors": ("education-training", "manufacturing"),
        "themes": ("girls-career-guidance", "gender-diversity-of-trades"),
        "roles": ("trainer",),
        "bio": (
            "Professeur de maintenance industrielle. Trois filles sur quarante-cinq élèves "
            "cette année : nous voulons faire mieux."
        ),
    },
    {
        "login": "julien.guillou",
        "name": "Julien Guillou",
        "organisation": "lannvor-agglomeration",
        "country": "FR",
        "region": "Bretagne",
        "languages": ("fr",),
        "sectors": ("public-sector",),
        "themes": ("gpect", "career-paths", "gender-diversity-of-trades"),
        "roles": (),
        "bio": (
            "Chargé de mission emplois et compétences à l'agglomération : je relie les besoins "
            "des entreprises du territoire et les parcours des habitantes et habitants."
        ),
    },
    {
        "login": "sophie.lemoine",
        "name": "Sophie Lemoine",
        "organisation": "ty-conseil-egalite",
        "country": "FR",
        "region": "Bretagne",
        "languages": ("fr", "en", "es"),
        "sectors": ("social-economy", "business-services"),
        "themes": ("pay-equality-index", "sexist-sexual-violence", "career-paths"),
        "roles": ("trainer", "mentor"),
        "bio": (
            "Consultante associée de la SCOP Ty Conseil Égalité. Je forme les équipes des "
            "clusters et j'accompagne les PME de Bretagne, de Valence et de Roumanie."
        ),
    },
    {
        "login": "pablo.navarro",
        "name": "Pablo Navarro Gil",
        "organisation": "muebles-albufera",
        "country": "ES",
        "region": "Comunitat Valenciana",
        "languages": ("es", "en"),
        "sectors": ("furniture-wood",),
        "themes": ("recruitment", "work-life-balance"),
        "roles": ("sme-member",),
        "bio": (
            "Gérant de Muebles Albufera. Nous avons réorganisé les horaires de l'atelier pour "
            "les parents ; je partage ce que nous avons appris."
        ),
    },
    {
        "login": "marta.soler",
        "name": "Marta Soler Vidal",
        "organisation": "muebles-albufera",
        "country": "ES",
        "region": "Comunitat Valenciana",
        "languages": ("es", "en"),
        "sectors": ("furniture-wood",),
        "themes": ("career-paths", "sexist-sexual-violence"),
        "roles": ("mentee",),
        "bio": "Designer et cheffe d'atelier, seule femme de l'équipe de fabrication.",
        "visibility": {"profile": "spaces", "location": "spaces"},
    },
    {
        "login": "carmen.ortiz",
        "name": "Carmen Ortiz Blasco",
        "organisation": "tapizados-del-turia",
        "country": "ES",
        "region": "Comunitat Valenciana",
        "languages": ("es", "it"),
        "sectors": ("furniture-wood",),
        "themes": ("womens-entrepreneurship", "parenthood"),
        "roles": ("sme-member", "mentor"),
        "bio": "Tapissière, j'ai cofondé notre atelier avec une amie d'apprentissage.",
    },
    {
        "login": "andrei.popa",
        "name": "Andrei Popa",
        "organisation": "confectii-siret",
        "country": "RO",
        "region": "Nord-Est",
        "languages": ("ro", "en", "fr"),
        "sectors": ("textile",),
        "themes": ("pay-equality-index", "career-paths", "working-conditions"),
        "roles": ("mentor",),
        "bio": (
            "Directeur des ressources humaines de Confecții Siret. Nous ouvrons un parcours "
            "pour que les couturières expérimentées deviennent cheffes d'atelier."
        ),
        "visibility": {"bio": "spaces"},
    },
    {
        "login": "elena.munteanu",
        "name": "Elena Munteanu",
        "organisation": "confectii-siret",
        "country": "RO",
        "region": "Nord-Est",
        "languages": ("ro", "it"),
        "sectors": ("textile",),
        "themes": ("career-paths", "work-life-balance"),
        "roles": ("mentee",),
        "bio": "Couturière depuis quinze ans, bientôt cheffe d'atelier, si tout va bien.",
        "visibility": {"organisation": "spaces"},
    },
    {
        "login": "mihaela.stan",
        "name": "Mihaela Stan",
        "organisation": "asociatia-textil-carpati",
        "country": "RO",
        "region": "Nord-Est",
        "languages": ("ro", "en"),
        "sectors": ("textile", "education-training"),
        "themes": ("working-conditions", "sexist-sexual-violence"),
        "roles": ("trainer",),
        "bio": "Formatrice du cluster textile : prévention des violences et management.",
    },
)

# --- Spaces and what happened in them ---------------------------------------------------------

SPACES = (
    {
        "slug": "recruter-sans-stereotypes",
        "name": "Recruter sans stéréotypes",
        "tagline": "Annonces, entretiens, intégration : ce qui marche pour recruter sur tous "
        "les métiers.",
        "description": (
            "On y partage des offres d'emploi réécrites, des grilles d'entretien et des retours "
            "d'expérience de PME qui ont ouvert leurs métiers techniques aux femmes et leurs "
            "métiers du soin aux hommes."
        ),
        "cluster": "cluster-egalite-armor",
        "themes": ("recruitment", "gender-diversity-of-trades"),
        "visibility": Space.Visibility.PUBLIC,
        "join_policy": Space.JoinPolicy.OPEN,
        "creator": "claire.morvan",
    },
    {
        "slug": "mixite-metiers-du-meuble",
        "name": "Mixité des métiers du meuble",
        "tagline": "Attirer des femmes dans les ateliers de fabrication et de finition.",
        "description": (
            "Les entreprises du Clúster Mueble Levante y comparent leurs pratiques : visites "
            "d'ateliers pour les lycéennes, adaptation des postes, tutorat des nouvelles "
            "recrues."
        ),
        "cluster": "cluster-mueble-levante",
        "themes": ("industry", "gender-diversity-of-trades", "career-paths"),
        "visibility": Space.Visibility.MEMBERS,
        "join_policy": Space.JoinPolicy.OPEN,
        "creator": "lucia.ferrer",
    },
    {
        "slug": "reseau-referents-egalite",
        "name": "Réseau des référentes et référents égalité",
        "tagline": "Entre pairs, pour celles et ceux qui portent l'égalité dans leur structure.",
        "description": (
            "Un espace partagé par les trois clusters. Index de l'égalité, prévention des "
            "violences sexistes et sexuelles, négociation d'un accord : on pose ses questions "
            "en confiance. Les demandes d'adhésion sont validées pour garder un cercle de pairs."
        ),
        "cluster": None,
        "themes": ("pay-equality-index", "sexist-sexual-violence", "working-conditions"),
        "visibility": Space.Visibility.MEMBERS,
        "join_policy": Space.JoinPolicy.REQUEST,
        "creator": "claire.morvan",
    },
    {
        "slug": "filles-et-numerique",
        "name": "Filles et numérique",
        "tagline": "Marrainage et ateliers pour orienter les lycéennes vers le numérique.",
        "description": (
            "Professionnelles du numérique, enseignantes et enseignants, associations : on "
            "organise ici les ateliers, les visites d'entreprises et le marrainage des "
            "promotions de lycéennes."
        ),
        "cluster": "cluster-egalite-armor",
        "themes": ("girls-career-guidance", "digital"),
        "visibility": Space.Visibility.PUBLIC,
        "join_policy": Space.JoinPolicy.REQUEST,
        "creator": "claire.morvan",
    },
    {
        "slug": "comite-de-pilotage",
        "name": "Comité de pilotage du programme européen",
        "tagline": "Les animatrices des trois clusters et leurs partenaires.",
        "description": (
            "Calendrier, budget et bilans du programme européen qui outille les PME par les "
            "clusters. Espace réservé aux personnes invitées."
        ),
        "cluster": None,
        "themes": ("career-paths", "gpect"),
        "visibility": Space.Visibility.PRIVATE,
        "join_policy": Space.JoinPolicy.INVITATION,
        "creator": "claire.morvan",
    },
    {
        "slug": "plan-egalite-textile",
        "name": "Atelier plan d'action égalité – textile",
        "tagline": "Six mois d'accompagnement pour les ateliers de confection du cluster.",
        "description": (
            "Les entreprises engagées dans l'accompagnement y déposent leur diagnostic et "
            "avancent pas à pas vers leur plan d'action. Les chiffres partagés restent ici."
        ),
        "cluster": "cluster-textil-carpati",
        "themes": ("pay-equality-index", "working-conditions", "career-paths"),
        "visibility": Space.Visibility.PRIVATE,
        "join_policy": Space.JoinPolicy.INVITATION,
        "creator": "ioana.vasilescu",
    },
)

# Members who joined an open space at once.
OPEN_JOINS = {
    "recruter-sans-stereotypes": (
        "maelle.legoff",
        "gwenaelle.tanguy",
        "hugo.kerbrat",
        "sandrine.quere",
        "elodie.marchand",
        "julien.guillou",
        "thomas.lebihan",
        "sophie.lemoine",
    ),
    "mixite-metiers-du-meuble": (
        "pablo.navarro",
        "marta.soler",
        "carmen.ortiz",
        "sophie.lemoine",
        "elena.munteanu",
    ),
}

# (space, member, message, approved): the space's creator answers; None leaves it pending.
JOIN_REQUESTS = (
    ("reseau-referents-egalite", "maelle.legoff", "Référente depuis un an à Kerlann.", True),
    ("reseau-referents-egalite", "sandrine.quere", "", True),
    ("reseau-referents-egalite", "nadia.belkacem", "", True),
    ("reseau-referents-egalite", "sophie.lemoine", "", True),
    ("reseau-referents-egalite", "lucia.ferrer", "Pour le Clúster Mueble Levante.", True),
    ("reseau-referents-egalite", "pablo.navarro", "", True),
    ("reseau-referents-egalite", "andrei.popa", "Référent égalité de Confecții Siret.", True),
    (
        "reseau-referents-egalite",
        "hugo.kerbrat",
        "Je reprends la conserverie et je prépare notre premier index de l'égalité.",
        None,
    ),
    (
        "reseau-referents-egalite",
        "marta.soler",
        "Pablo m'a parlé du réseau ; la prévention du harcèlement m'intéresse.",
        None,
    ),
    ("filles-et-numerique", "nadia.belkacem", "", True),
    ("filles-et-numerique", "ines.roussel", "Marraine chez Numérik'Elles.", True),
    ("filles-et-numerique", "sandrine.quere", "", True),
    (
        "filles-et-numerique",
        "thomas.lebihan",
        "Nous aimerions accueillir des marraines dans nos classes de seconde.",
        None,
    ),
)

# (space, member, role) given by the space's creator once the member is in.
ROLE_CHANGES = (
    ("reseau-referents-egalite", "lucia.ferrer", Membership.Role.ANIMATOR),
    ("reseau-referents-egalite", "sandrine.quere", Membership.Role.MODERATOR),
    ("filles-et-numerique", "nadia.belkacem", Membership.Role.MODERATOR),
)

# (space, member, role, accepted) sent by the space's creator; unaccepted ones stay pending.
INVITATIONS = (
    ("comite-de-pilotage", "lucia.ferrer", Membership.Role.MEMBER, True),
    ("comite-de-pilotage", "ioana.vasilescu", Membership.Role.MEMBER, True),
    ("comite-de-pilotage", "sophie.lemoine", Membership.Role.MODERATOR, True),
    ("comite-de-pilotage", "andrei.popa", Membership.Role.MEMBER, False),
    ("plan-egalite-textile", "andrei.popa", Membership.Role.MEMBER, True),
    ("plan-egalite-textile", "elena.munteanu", Membership.Role.MEMBER, True),
    ("plan-egalite-textile", "mihaela.stan", Membership.Role.MODERATOR, True),
)

# --- Editorial pages --------------------------------------------------------------------------

HOME_INTRODUCTION = (
    "<p>Égalité Pro Clusters réunit les <b>clusters européens</b> qui aident leurs PME à "
    "faire progresser l'égalité entre les femmes et les hommes au travail : recrutement, "
    "rémunération, mixité des métiers, articulation des temps de vie.</p>"
    "<p>Rejoignez un espace, posez vos questions à des pairs et trouvez une marraine ou un "
    "mentor dans un autre pays.</p>"
)
FEATURED_SPACES = ("recruter-sans-stereotypes", "filles-et-numerique", "mixite-metiers-du-meuble")
CONTACT_EMAIL = f"contact@{DEMO_DOMAIN}"

PRIVACY_PAGE = {
    "slug": "confidentialite",
    "title": "Politique de confidentialité",
    "introduction": "Les données que nous traitons, pourquoi, et comment exercer vos droits.",
    "body": [
        ("heading", "Les données que nous traitons"),
        (
            "paragraph",
            "<ul><li>Votre compte : adresse e-mail et mot de passe, conservé chiffré.</li>"
            "<li>Votre profil : ce que vous choisissez d'y écrire (présentation, organisation, "
            "langues, thèmes…).</li>"
            "<li>Vos contributions dans les espaces et vos notifications.</li></ul>"
            "<p>Nous ne demandons aucune donnée sensible et vous invitons à ne pas en publier, "
            "ni sur vous ni sur les salariées et salariés de votre structure.</p>",
        ),
        ("heading", "Pourquoi et qui les voit"),
        (
            "paragraph",
            "<p>Ces données servent uniquement à faire fonctionner la plateforme et à mettre "
            "en relation ses membres. Vous choisissez, champ par champ, qui voit votre profil : "
            "tous les membres connectés, les membres de vos espaces, ou vous seul·e. "
            "L'équipe de la plateforme y a accès pour la modération et l'assistance. "
            "Rien n'est vendu ni cédé à des tiers.</p>",
        ),
        (
            "callout",
            {
                "title": "Cookies",
                "text": "<p>Nous n'utilisons que des cookies indispensables : la session, la "
                "protection des formulaires et la langue choisie. Aucun cookie publicitaire ni "
                "de mesure d'audience : il n'y a donc rien à accepter.</p>",
            },
        ),
        ("heading", "Vos droits"),
        (
            "paragraph",
            "<p>Conformément au RGPD, vous pouvez à tout moment consulter et corriger votre "
            "profil, <b>demander une copie de vos données</b> dans un format réutilisable, et "
            "<b>demander la suppression de votre compte</b>. Nous répondons sous un mois. "
            "Vous pouvez aussi saisir l'autorité de protection des données de votre pays.</p>",
        ),
        ("heading", "Nous contacter"),
        (
            "paragraph",
            f'<p>Écrivez-nous à <a href="mailto:{CONTACT_EMAIL}">{CONTACT_EMAIL}</a>.</p>',
        ),
    ],
}

TERMS_PAGE = {
    "slug": "conditions-utilisation",
    "title": "Conditions d'utilisation",
    "introduction": "Les règles communes qui rendent les échanges utiles et sûrs pour toutes et "
    "tous.",
    "body": [
        ("heading", "À quoi sert la plateforme"),
        (
            "paragraph",
            "<p>Égalité Pro Clusters permet aux clusters, à leurs entreprises et à leurs "
            "partenaires d'échanger sur l'égalité professionnelle. L'inscription est gratuite ; "
            "chaque compte est personnel et confirmé par e-mail.</p>",
        ),
        ("heading", "Les règles des espaces"),
        (
            "paragraph",
            "<ul><li>Respecter les autres membres : pas de propos sexistes, racistes ou "
            "injurieux.</li>"
            "<li>Ne jamais publier d'informations permettant d'identifier une salariée ou un "
            "salarié, en particulier dans une situation de violence ou de harcèlement.</li>"
            "<li>Ne pas diffuser hors de la plateforme ce qui se dit dans un espace "
            "privé.</li></ul>",
        ),
        (
            "quote",
            {
                "quote": "Ce qui se partage dans un espace reste dans cet espace, sauf accord "
                "de celles et ceux qui l'ont écrit.",
                "attribution": "Charte des espaces",
            },
        ),
        ("heading", "Modération"),
        (
            "paragraph",
            "<p>Les animatrices, animateurs et modérateurs de chaque espace veillent au respect "
            "de ces règles. L'équipe de la plateforme peut retirer un contenu ou suspendre un "
            "compte qui ne les respecte pas.</p>",
        ),
        ("heading", "Quitter la plateforme"),
        (
            "paragraph",
            "<p>Vous pouvez quitter un espace à tout moment et demander la suppression de "
            f'votre compte en écrivant à <a href="mailto:{CONTACT_EMAIL}">{CONTACT_EMAIL}</a>.'
            "</p>",
        ),
    ],
}

# --- What the command prints ------------------------------------------------------------------

LOGINS = (
    (STAFF_LOGIN, "Platform staff (superuser): Wagtail admin at /cms/, sees every space"),
    (
        "claire.morvan",
        "Animator of Cluster Égalité Armor (FR); answers the pending requests and reviews the "
        "practice sheets waiting at /library/review/",
    ),
    ("lucia.ferrer", "Animator of Clúster Mueble Levante (ES)"),
    ("ioana.vasilescu", "Animator of Cluster Textil Carpați (RO); runs a private space"),
    (
        "maelle.legoff",
        "SME member and equality referent (Conserverie Kerlann); mentee; her practice sheet "
        "awaits review",
    ),
    (
        "sophie.lemoine",
        "Mentor and trainer, her organisation is in all three clusters; library expert",
    ),
    ("hugo.kerbrat", "SME member with a pending request to join the referents' network"),
    ("andrei.popa", "Mentor with a pending invitation to the private steering committee"),
    ("gwenaelle.tanguy", "SME member whose profile is private"),
    (
        "lea.guillou",
        "Mentee aged 16 (Wi-Filles), guardian's consent given: finds a mentor and books",
    ),
    ("chloe.nicolas", "Mentee aged 14: her guardian consented, she has not agreed yet"),
    ("yasmine.haddad", "Mentee aged 16 whose guardian has not answered yet"),
    ("manon.legall", "Mentee aged 17 whose guardian withdrew consent: everything is paused"),
)


def demo_email(login: str) -> str:
    return f"{login}@{DEMO_DOMAIN}"


# --- Building the world -----------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    clusters: dict[str, Cluster] = field(default_factory=dict)
    spaces: dict[str, Space] = field(default_factory=dict)


def demo_exists() -> bool:
    return User.objects.filter(email__iendswith=f"@{DEMO_DOMAIN}").exists()


def demo_users() -> dict[str, User]:
    """The demo accounts by login, read afresh (no permission cache from building the world)."""
    suffix = f"@{DEMO_DOMAIN}"
    return {
        user.email[: -len(suffix)]: user
        for user in User.objects.filter(email__iendswith=suffix).select_related("profile")
    }


def terms(model, slugs) -> list:
    """The vocabulary rows for `slugs`; they come from a migration, so a gap means no migrate."""
    found = list(model.objects.filter(slug__in=slugs))
    missing = set(slugs) - {term.slug for term in found}
    if missing:
        raise CommandError(
            f"Missing {model.__name__} terms {sorted(missing)}: run `manage.py migrate` first."
        )
    return found


def create_account(login: str, display_name: str, password_hash: str, *, staff=False) -> User:
    user = User.objects.create_user(
        demo_email(login), password=None, is_staff=staff, is_superuser=staff
    )
    user.password = password_hash
    user.save(update_fields=["password"])
    # Log-in requires a verified address (ACCOUNT_EMAIL_VERIFICATION = "mandatory").
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    profile_create(user=user, display_name=display_name)
    return user


def create_accounts(world: World) -> None:
    # The shared password is public anyway; hashing it once spares ~20 slow PBKDF2 rounds.
    password_hash = make_password(DEMO_PASSWORD)
    world.users[STAFF_LOGIN] = create_account(STAFF_LOGIN, STAFF_NAME, password_hash, staff=True)
    for member in MEMBERS:
        world.users[member["login"]] = create_account(
            member["login"], member["name"], password_hash
        )


def create_organisations(world: World) -> None:
    # The referent creates the organisation and joins it in the same call, as on the site.
    for spec in ORGANISATIONS:
        referent = world.users[spec["referent"]]
        world.organisations[spec["slug"]] = organisation_create(
            by=referent,
            join=True,
            slug=spec["slug"],
            name=spec["name"],
            kind=spec["kind"],
            size_band=spec["size_band"],
            sector=terms(Sector, [spec["sector"]])[0],
            country=spec["country"],
            region=spec["region"],
            website=f"https://{spec['slug']}.example",
            description=spec["description"],
            equality_referent=referent,
        )


def fill_profiles(world: World) -> None:
    for member in MEMBERS:
        user = world.users[member["login"]]
        visibility = {
            f"{name}_visibility": value for name, value in member.get("visibility", {}).items()
        }
        organisation = member["organisation"]
        profile_update(
            by=user,
            profile=user.profile,
            bio=member["bio"],
            country=member["country"],
            region=member["region"],
            organisation=world.organisations[organisation] if organisation else None,
            languages=terms(Language, member["languages"]),
            sectors=terms(Sector, member["sectors"]),
            themes=terms(Theme, member["themes"]),
            roles=terms(Role, member["roles"]),
            **visibility,
        )


def create_clusters(world: World) -> None:
    for spec in CLUSTERS:
        cluster = Cluster(
            slug=spec["slug"],
            name=spec["name"],
            country=spec["country"],
            region=spec["region"],
            website=spec["website"],
            description=spec["description"],
        )
        cluster.full_clean()
        cluster.save()
        members = [
            world.organisations[org["slug"]]
            for org in ORGANISATIONS
            if spec["slug"] in org["clusters"]
        ]
        world.clusters[spec["slug"]] = cluster_update(
            by=world.users[STAFF_LOGIN],
            cluster=cluster,
            organisations=members,
            animators=[world.users[login] for login in spec["animators"]],
        )


def create_spaces(world: World) -> None:
    for spec in SPACES:
        world.spaces[spec["slug"]] = space_create(
            by=world.users[spec["creator"]],
            slug=spec["slug"],
            name=spec["name"],
            tagline=spec["tagline"],
            description=spec["description"],
            cluster=world.clusters[spec["cluster"]] if spec["cluster"] else None,
            themes=terms(Theme, spec["themes"]),
            visibility=spec["visibility"],
            join_policy=spec["join_policy"],
        )


def creator_of(space_slug: str, world: World) -> User:
    spec = next(spec for spec in SPACES if spec["slug"] == space_slug)
    return world.users[spec["creator"]]


def play_memberships(world: World) -> None:
    """Replay the members' comings and goings, so each step leaves its notifications."""
    for space_slug, logins in OPEN_JOINS.items():
        for login in logins:
            space_join(space=world.spaces[space_slug], user=world.users[login])

    for space_slug, login, message, approved in JOIN_REQUESTS:
        membership = space_join(
            space=world.spaces[space_slug], user=world.users[login], message=message
        )
        if approved is not None:
            membership_decide(
                membership=membership, by=creator_of(space_slug, world), approve=approved
            )

    for space_slug, login, role in ROLE_CHANGES:
        membership = Membership.objects.get(space=world.spaces[space_slug], user=world.users[login])
        membership_set_role(membership=membership, by=creator_of(space_slug, world), role=role)

    for space_slug, login, role, accepted in INVITATIONS:
        user = world.users[login]
        invitation = space_invite(
            space=world.spaces[space_slug],
            by=creator_of(space_slug, world),
            email=user.email,
            role=role,
        )
        if accepted:
            invitation_accept(token=invitation.token, user=user)


def content_page(home: HomePage, spec: dict) -> ContentPage:
    """The page at `spec["slug"]` under home, created and published when missing."""
    existing = home.get_children().filter(slug=spec["slug"]).specific().first()
    if existing is not None:
        return existing
    page = ContentPage(
        title=spec["title"],
        slug=spec["slug"],
        introduction=spec["introduction"],
        body=spec["body"],
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    return page


def set_up_pages(world: World) -> None:
    home = HomePage.objects.first()
    if home is None:
        raise CommandError("No home page: run `manage.py migrate` first.")
    home.introduction = HOME_INTRODUCTION
    # Assigned in memory, the orderables are saved with the revision when it is published.
    home.featured_spaces = [
        HomeFeaturedSpace(space=world.spaces[slug], sort_order=position)
        for position, slug in enumerate(FEATURED_SPACES)
    ]
    home.save_revision().publish()

    privacy = content_page(home, PRIVACY_PAGE)
    terms_page = content_page(home, TERMS_PAGE)
    site = home.get_site()
    legal = LegalPages.for_site(site)
    legal.privacy_page = privacy
    legal.terms_page = terms_page
    legal.save()


def build_world() -> World:
    world = World()
    create_accounts(world)
    create_organisations(world)
    fill_profiles(world)
    create_clusters(world)
    create_spaces(world)
    play_memberships(world)
    set_up_pages(world)
    return world


# --- The command ------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Fill the database with a fictional demo world (clusters, organisations, members, "
        "spaces, pages, forum, chat, events, practice library) and print the demo log-ins. "
        "Running it again only adds the forum topics, chat messages, events and library items "
        "an existing demo lacks."
    )

    def handle(self, *args, **options):
        # The demo addresses use the reserved .example domain: mail sent to them would only
        # bounce, so the invitation e-mails are dropped (when tasks run in this process).
        with (
            translation.override("fr"),
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
        ):
            if demo_exists():
                self.stdout.write("The demo data already exists: nothing was created.")
            else:
                with transaction.atomic():
                    world = build_world()
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Demo created: {len(world.clusters)} clusters, "
                        f"{len(world.organisations)} organisations, "
                        f"{len(world.users)} accounts, {len(world.spaces)} spaces."
                    )
                )
            self.seed_forum()
            self.seed_chat()
            self.seed_events()
            self.seed_library()
            self.seed_mentorship()
        self.print_logins()

    def seed_forum(self) -> None:
        """The forum topics missing from the demo (all of them on the first run)."""
        with transaction.atomic():
            forum = seed_forum(demo_users())
        if forum.created:
            self.stdout.write(self.style.SUCCESS(f"Forum: {forum.created} new topic(s)."))
        for problem in forum.problems:
            self.stdout.write(self.style.WARNING(f"Forum topic left out: {problem}"))

    def seed_chat(self) -> None:
        """The demo conversations; messages already sent are found, not sent again."""
        with transaction.atomic():
            chat = seed_chat(demo_users())
        if chat.created:
            self.stdout.write(self.style.SUCCESS(f"Chat: {chat.created} new message(s)."))
        for problem in chat.problems:
            self.stdout.write(self.style.WARNING(f"Chat left out: {problem}"))

    def seed_events(self) -> None:
        """The demo events; an event whose slug already exists is skipped."""
        with transaction.atomic():
            events = seed_events(demo_users())
        if events.created:
            self.stdout.write(self.style.SUCCESS(f"Events: {events.created} new event(s)."))
        for problem in events.problems:
            self.stdout.write(self.style.WARNING(f"Event left out: {problem}"))

    def seed_library(self) -> None:
        """The demo practice library; an item whose slug already exists is skipped."""
        with transaction.atomic():
            library = seed_library(demo_users())
        if library.created:
            self.stdout.write(self.style.SUCCESS(f"Library: {library.created} new item(s)."))
        for problem in library.problems:
            self.stdout.write(self.style.WARNING(f"Library item left out: {problem}"))

    def seed_mentorship(self) -> None:
        """The demo programmes; a programme whose slug already exists is skipped."""
        with transaction.atomic():
            mentorship = seed_mentorship(demo_users())
        if mentorship.created:
            self.stdout.write(
                self.style.SUCCESS(f"Mentorship: {mentorship.created} new programme(s).")
            )
        for problem in mentorship.problems:
            self.stdout.write(self.style.WARNING(f"Mentorship left out: {problem}"))

    def print_logins(self) -> None:
        rows = [
            ("E-mail", "Password", "Who"),
            *((demo_email(login), DEMO_PASSWORD, who) for login, who in LOGINS),
        ]
        email_width = max(len(row[0]) for row in rows)
        password_width = max(len(row[1]) for row in rows)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Demo log-ins"))
        for index, (email, password, who) in enumerate(rows):
            line = f"  {email:<{email_width}}  {password:<{password_width}}  {who}"
            self.stdout.write(self.style.MIGRATE_LABEL(line) if index == 0 else line)
        self.stdout.write("")
        self.stdout.write(
            f"All demo accounts use the password {DEMO_PASSWORD} "
            f"(every member's address is first-name.last-name@{DEMO_DOMAIN})."
        )
        self.stdout.write(
            self.style.WARNING(
                "These passwords are public: never run seed_demo on a server open to the internet."
            )
        )
