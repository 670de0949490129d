"""The demo forum: topics, replies, answers, votes and follows in the demo spaces.

Everything is written through `forum.services`, as the members themselves would, so every rule
holds (only members write, nobody votes for themselves, only the asker accepts, only animators
validate and announce) and the notifications are those real use would leave. Each topic then
gets its dates moved back in time, with the notifications it produced, so the lists show
conversations of days and weeks and the "waiting for an answer" view shows their ages.

A topic whose title already exists in its space is skipped: running the seed again adds
nothing, and a demo database from before the forum gets its topics on the next run.
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from notifications.models import Notification

from community.models import Profile, Space, Theme, User
from forum.models import ModerationAction, Post, Topic, Vote
from forum.services import (
    answer_accept,
    follow_set,
    post_create,
    post_validate,
    topic_create,
    topic_pin,
    vote_cast,
)

QUESTION = Topic.Kind.QUESTION
DISCUSSION = Topic.Kind.DISCUSSION
ANNOUNCEMENT = Topic.Kind.ANNOUNCEMENT


@dataclass(frozen=True)
class Reply:
    author: str  # a demo login
    body: str  # Markdown; `@{login}` becomes that member's @handle
    hours: float  # after the topic was opened
    votes: tuple[str, ...] = ()  # logins who found it helpful
    accepted: bool = False  # accepted by the asker
    validated_by: str = ""  # login of the animator who marks it expert-validated


@dataclass(frozen=True)
class TopicSpec:
    space: str
    author: str
    title: str
    body: str
    days_ago: float
    kind: str = QUESTION
    themes: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    pseudonym: str = ""
    pinned: bool = False
    replies: tuple[Reply, ...] = ()
    followers: tuple[str, ...] = ()  # logins following the topic without writing in it


TOPICS = (
    # --- Recruter sans stéréotypes (public, Cluster Égalité Armor) -----------------------------
    TopicSpec(
        space="recruter-sans-stereotypes",
        author="claire.morvan",
        kind=ANNOUNCEMENT,
        pinned=True,
        days_ago=41,
        title="Bienvenue sur le forum de l'espace : comment poser une bonne question",
        themes=("recruitment",),
        tags=("mode d'emploi",),
        body=(
            "Bonjour à toutes et à tous,\n\n"
            "Le forum de l'espace est ouvert ! Pour que chacune et chacun y trouve vite de "
            "l'aide :\n\n"
            "- **un sujet par question**, avec un titre qui dit ce que vous cherchez ;\n"
            "- précisez la taille de votre structure et le métier concerné : les réponses ne "
            "sont pas les mêmes pour 15 ou 300 salariés ;\n"
            "- quand une réponse vous a aidé·e, **marquez-la comme acceptée** : elle servira "
            "aux suivants ;\n"
            "- ne citez jamais le nom d'une salariée ou d'un salarié, ni un détail qui "
            "permettrait de la ou le reconnaître.\n\n"
            "Pour une situation délicate (un signalement, un conflit), vous pouvez poser votre "
            "question **sous un pseudonyme** : seules les personnes qui animent l'espace "
            "sauront qui vous êtes.\n\n"
            "Bons échanges !"
        ),
        replies=(
            Reply(
                author="maelle.legoff",
                hours=5,
                body="Merci Claire ! Le pseudonyme est une très bonne idée pour les sujets "
                "sensibles, certaines collègues hésitaient à écrire.",
            ),
        ),
    ),
    TopicSpec(
        space="recruter-sans-stereotypes",
        author="hugo.kerbrat",
        days_ago=24,
        title="Annonce de technicien·ne de maintenance : comment attirer aussi des candidates ?",
        followers=("gwenaelle.tanguy",),
        themes=("recruitment", "gender-diversity-of-trades"),
        tags=("offre d'emploi", "maintenance"),
        body=(
            "Nous cherchons un ou une technicienne de maintenance pour nos lignes de "
            "production. Notre dernière annonce a reçu 23 candidatures… toutes d'hommes.\n\n"
            "Elle parlait de « mécanicien confirmé », « polyvalent et disponible », "
            "« environnement exigeant ». Par où commencer pour la réécrire ? Faut-il "
            "aussi changer les endroits où nous la publions ?"
        ),
        replies=(
            Reply(
                author="sandrine.quere",
                hours=3,
                votes=("maelle.legoff", "claire.morvan", "elodie.marchand"),
                accepted=True,
                body=(
                    "Nous sommes passés par là à la verrerie. Ce qui a changé les choses :\n\n"
                    "1. **Titre au féminin et au masculin** : « Technicienne ou technicien de "
                    "maintenance », pas seulement « H/F » en fin de ligne.\n"
                    "2. **Des missions concrètes plutôt que des qualités** : « diagnostiquer "
                    "une panne sur une ligne de conditionnement » plutôt que « réactif et "
                    "résistant au stress ».\n"
                    "3. **Séparer l'indispensable du souhaitable** : beaucoup de femmes ne "
                    "postulent que si elles cochent toutes les cases.\n"
                    "4. **Dire ce que vous offrez** : horaires, formation, tutorat, vestiaires.\n\n"
                    "Et oui, changez aussi les canaux : lycées professionnels, écoles de la "
                    "deuxième chance, réseaux de femmes de l'industrie."
                ),
            ),
            Reply(
                author="elodie.marchand",
                hours=9,
                votes=("hugo.kerbrat",),
                body=(
                    "Côté candidate : ce qui m'a fait postuler à la verrerie, c'est qu'il y "
                    "avait la photo d'une conductrice de ligne sur l'annonce. On se projette "
                    "beaucoup plus facilement."
                ),
            ),
            Reply(
                author="claire.morvan",
                hours=26,
                body=(
                    "Tout est dit par @{sandrine.quere}. J'ajoute une vérification simple : "
                    "faites relire l'annonce par deux ou trois femmes de l'atelier avant de la "
                    "publier. Et si vous passez par une agence d'intérim, donnez-lui la "
                    "nouvelle version, pas seulement l'intitulé du poste."
                ),
            ),
            Reply(
                author="maelle.legoff",
                hours=50,
                body=(
                    "@{hugo.kerbrat}, souviens-toi de l'annonce d'opératrice de ligne : en "
                    "écrivant « opératrice ou opérateur » et en décrivant les gestes du poste, "
                    "nous avions reçu deux fois plus de candidatures d'hommes. Ça marche dans "
                    "les deux sens, je te propose qu'on réécrive celle-ci ensemble."
                ),
            ),
        ),
    ),
    TopicSpec(
        space="recruter-sans-stereotypes",
        author="maelle.legoff",
        days_ago=15,
        title="Grille d'entretien : quelles questions ne plus poser ?",
        followers=("elodie.marchand",),
        themes=("recruitment",),
        tags=("entretien", "discrimination"),
        body=(
            "Je forme nos chefs d'équipe à mener les entretiens d'embauche. Certains "
            "demandent encore aux candidates si elles ont des enfants « pour savoir si les "
            "horaires leur conviennent ».\n\n"
            "Avez-vous une grille d'entretien type, ou une liste des questions à bannir, que "
            "je pourrais leur donner ?"
        ),
        replies=(
            Reply(
                author="sophie.lemoine",
                hours=4,
                votes=("maelle.legoff", "julien.guillou"),
                accepted=True,
                body=(
                    "La règle à leur donner : **on évalue les compétences pour le poste, "
                    "rien d'autre**. Sont interdites les questions sur la situation de "
                    "famille, la grossesse ou le projet d'enfant, l'âge, l'origine, la santé, "
                    "les opinions.\n\n"
                    "Pour les horaires, la bonne question est la même pour tout le monde : "
                    "« Le poste est en 2x8, une semaine sur deux le matin : est-ce compatible "
                    "avec vos contraintes ? »\n\n"
                    "Je vous envoie par e-mail notre grille en cinq rubriques (missions, "
                    "savoir-faire, exemples vécus, questions de la candidate ou du candidat, "
                    "conditions). L'idéal : les mêmes questions dans le même ordre pour "
                    "chaque personne reçue, et deux personnes pour mener l'entretien."
                ),
            ),
            Reply(
                author="julien.guillou",
                hours=20,
                body=(
                    "À l'agglomération, nous proposons une demi-journée de sensibilisation au "
                    "recrutement sans discrimination pour les PME du territoire, gratuite. La "
                    "prochaine session peut accueillir vos chefs d'équipe si vous le souhaitez."
                ),
            ),
            Reply(
                author="gwenaelle.tanguy",
                hours=30,
                votes=("maelle.legoff",),
                body=(
                    "@{maelle.legoff}, en tant qu'élue CSE je peux venir en parler avec toi "
                    "aux chefs d'équipe : ça passera peut-être mieux si l'exemple vient aussi "
                    "de l'atelier."
                ),
            ),
        ),
    ),
    TopicSpec(
        space="recruter-sans-stereotypes",
        author="thomas.lebihan",
        kind=DISCUSSION,
        days_ago=10,
        title="Ateliers « Raconte-moi ton métier » : vos retours d'expérience",
        themes=("gender-diversity-of-trades", "girls-career-guidance"),
        tags=("Raconte-moi ton métier", "collège"),
        body=(
            "Au lycée, nous organisons des ateliers « Raconte-moi ton métier » : une "
            "professionnelle ou un professionnel vient une heure dans une classe de troisième "
            "raconter son quotidien, avec des objets du métier.\n\n"
            "Cette année, trois intervenantes de l'industrie sont venues, et les filles "
            "ont posé deux fois plus de questions que d'habitude. Qu'est-ce qui marche chez "
            "vous ? Format, durée, qui faire venir ?"
        ),
        replies=(
            Reply(
                author="elodie.marchand",
                hours=6,
                votes=("thomas.lebihan", "sandrine.quere", "claire.morvan"),
                body=(
                    "J'en fais depuis deux ans. Ce qui accroche le plus : venir en tenue de "
                    "travail, apporter un vrai morceau de verre raté et raconter une journée "
                    "avec ses galères. Les élèves demandent toujours combien on gagne et si on "
                    "se fait embêter parce qu'on est une fille : il faut être prête à répondre "
                    "franchement."
                ),
            ),
            Reply(
                author="sandrine.quere",
                hours=22,
                body=(
                    "Nous envoyons toujours un binôme : une femme et un homme qui font le même "
                    "métier. Ça évite le message « elle, c'est l'exception »."
                ),
            ),
            Reply(
                author="claire.morvan",
                hours=48,
                body=(
                    "Merci @{thomas.lebihan} et @{elodie.marchand}. Le cluster peut tenir une "
                    "liste d'intervenantes volontaires pour les établissements du territoire : "
                    "si vous êtes partantes, dites-le ici et je la monte."
                ),
            ),
            Reply(
                author="julien.guillou",
                hours=70,
                body=(
                    "L'agglomération peut prendre en charge les déplacements des intervenantes "
                    "dans les collèges des communes rurales."
                ),
            ),
        ),
    ),
    # --- Mixité des métiers du meuble (Clúster Mueble Levante) ---------------------------------
    TopicSpec(
        space="mixite-metiers-du-meuble",
        author="pablo.navarro",
        days_ago=30,
        title="Accueillir une nouvelle menuisière en atelier : que prévoir ?",
        themes=("gender-diversity-of-trades", "industry", "working-conditions"),
        tags=("intégration", "menuiserie"),
        body=(
            "Une menuisière rejoint le mois prochain notre atelier de fabrication : la "
            "deuxième femme de l'équipe, trois ans après Marta. Marta m'a rappelé tout ce que "
            "nous avions mal préparé à son arrivée, et je veux faire mieux cette fois.\n\n"
            "Vestiaires, équipements de protection, tutorat, façon d'en parler à l'équipe : "
            "qu'est-ce que vous auriez aimé savoir avant ?"
        ),
        replies=(
            Reply(
                author="marta.soler",
                hours=2,
                votes=("pablo.navarro", "lucia.ferrer", "carmen.ortiz"),
                accepted=True,
                body=(
                    "Comme promis, ce qui m'a manqué il y a trois ans, dans l'ordre :\n\n"
                    "- **Un vrai vestiaire** qui ferme à clé, prêt le premier jour, pas « on "
                    "va s'arranger » ;\n"
                    "- **des EPI à sa taille** : gants, chaussures et combinaisons existent en "
                    "petites tailles, commandez-les à l'avance ;\n"
                    "- **une tutrice ou un tuteur choisi·e**, volontaire, pas simplement le "
                    "plus ancien ;\n"
                    "- **prévenir l'équipe sans en faire un événement**, et dire clairement "
                    "que les blagues sexistes ne passeront pas.\n\n"
                    "Et faites un point avec elle au bout d'un mois, en tête-à-tête."
                ),
            ),
            Reply(
                author="carmen.ortiz",
                hours=8,
                body=(
                    "J'ajoute : regardez les postes où il faut porter seul·e des panneaux. "
                    "Un chariot ou un palonnier, c'est mieux pour tout le monde, pas seulement "
                    "pour elle."
                ),
            ),
            Reply(
                author="lucia.ferrer",
                hours=27,
                body=(
                    "Le cluster a un guide d'accueil des nouvelles recrues en atelier, écrit "
                    "avec trois entreprises l'an dernier. Je te l'envoie par e-mail, Pablo, et "
                    "à qui le demandera ici."
                ),
            ),
            Reply(
                author="sophie.lemoine",
                hours=52,
                votes=("pablo.navarro",),
                body=(
                    "Bonne nouvelle que ce soit la deuxième : une femme seule dans une équipe "
                    "part souvent au bout d'un an. Laissez-leur aussi un moment pour échanger "
                    "entre elles, sans que Marta devienne d'office la tutrice."
                ),
            ),
        ),
    ),
    TopicSpec(
        space="mixite-metiers-du-meuble",
        author="carmen.ortiz",
        days_ago=6,
        title="« Trop physique pour des femmes » : quel matériel de manutention pour un petit "
        "atelier ?",
        themes=("working-conditions", "gender-diversity-of-trades"),
        tags=("ergonomie", "manutention"),
        body=(
            "Aux salons, on nous répète que la tapisserie d'ameublement est « trop physique "
            "pour des femmes ». Les carcasses de canapé pèsent lourd, c'est vrai, mais les "
            "tapissiers hommes finissent aussi avec le dos en miettes.\n\n"
            "Nous sommes deux dans l'atelier : quel matériel de manutention avez-vous trouvé "
            "qui soit à la portée d'une petite structure ?"
        ),
        replies=(
            Reply(
                author="pablo.navarro",
                hours=4,
                votes=("carmen.ortiz", "lucia.ferrer"),
                body=(
                    "Chez Muebles Albufera, ce sont les chiffres qui ont convaincu : les arrêts "
                    "pour lombalgie des cinq dernières années, tous chez des hommes. Nous avons "
                    "acheté deux **tables élévatrices** et un **palonnier à ventouses** ; "
                    "@{marta.soler} a choisi les modèles avec l'équipe."
                ),
            ),
            Reply(
                author="marta.soler",
                hours=11,
                votes=("carmen.ortiz",),
                body=(
                    "Les tables élévatrices ont tout changé : chacun travaille à sa hauteur, "
                    "et plus personne ne retourne un meuble à bout de bras. Pour un petit "
                    "atelier, une table d'occasion suffit. Présentez-le comme un sujet de "
                    "santé pour tout le monde, jamais comme un aménagement « pour les femmes »."
                ),
            ),
            Reply(
                author="elena.munteanu",
                hours=30,
                body=(
                    "Dans nos ateliers textiles, c'est l'inverse : les gestes répétitifs des "
                    "couturières ont longtemps été oubliés parce que « c'est léger ». Un "
                    "matériel adapté profite à tout le monde, quel que soit le métier."
                ),
            ),
        ),
    ),
    TopicSpec(
        space="mixite-metiers-du-meuble",
        author="carmen.ortiz",
        days_ago=12,
        title="Former une apprentie tapissière : quelles aides et quel tutorat ?",
        themes=("career-paths", "womens-entrepreneurship"),
        tags=("apprentissage", "tapisserie"),
        body=(
            "Nous aimerions prendre une apprentie l'an prochain, mais à deux associées nous "
            "avons peu de temps pour la former.\n\n"
            "Des entreprises du cluster ont-elles mutualisé le tutorat, ou trouvé des aides "
            "pour le temps passé à former ?"
        ),
    ),
    # --- Réseau des référentes et référents égalité (all three clusters) -----------------------
    TopicSpec(
        space="reseau-referents-egalite",
        author="maelle.legoff",
        days_ago=35,
        title="Index de l'égalité : comment traiter les catégories avec très peu de femmes ?",
        themes=("pay-equality-index",),
        tags=("index égalité", "Egapro"),
        body=(
            "Nous préparons notre premier index de l'égalité professionnelle (85 salariés, "
            "donc quatre indicateurs). Pour l'écart de rémunération, j'ai "
            "découpé par catégorie et tranche d'âge, mais :\n\n"
            "- en maintenance, il n'y a **qu'une femme** ;\n"
            "- chez les cadres de moins de 30 ans, personne.\n\n"
            "Est-ce que je dois les compter quand même ? Et que se passe-t-il si beaucoup de "
            "groupes sautent ?"
        ),
        replies=(
            Reply(
                author="sophie.lemoine",
                hours=3,
                votes=("maelle.legoff", "andrei.popa", "sandrine.quere"),
                accepted=True,
                validated_by="claire.morvan",
                body=(
                    "Bonne question, c'est le piège classique :\n\n"
                    "1. **Un groupe (catégorie × tranche d'âge) n'est retenu que s'il compte "
                    "au moins 3 femmes et 3 hommes.** Votre maintenance sort donc du calcul.\n"
                    "2. Si les groupes retenus représentent **moins de 40 % de l'effectif**, "
                    "l'indicateur d'écart de rémunération est incalculable : l'index aussi, "
                    "pour l'année.\n"
                    "3. Vous pouvez, après consultation du CSE, découper par **coefficients de "
                    "la grille de branche** plutôt que par catégories : c'est parfois plus "
                    "fin.\n\n"
                    "Faites une simulation sur le [simulateur Egapro]"
                    "(https://egapro.travail.gouv.fr) avant de déclarer, il applique ces règles "
                    "automatiquement. Et gardez en tête que le groupe exclu reste un sujet : une "
                    "seule femme en maintenance, c'est un indicateur à part entière pour votre "
                    "plan d'action."
                ),
            ),
            Reply(
                author="andrei.popa",
                hours=28,
                body=(
                    "En Roumanie, nous n'avons pas d'index, mais la directive européenne sur "
                    "la transparence des rémunérations arrive : votre expérience nous intéresse "
                    "beaucoup. Combien de temps vous prend le calcul, au total ?"
                ),
            ),
            Reply(
                author="maelle.legoff",
                hours=33,
                body=(
                    "Merci @{sophie.lemoine}, c'est très clair ! @{andrei.popa} : le calcul "
                    "lui-même prend une journée ; c'est l'extraction et le nettoyage des "
                    "données de paie qui m'en ont pris deux de plus."
                ),
            ),
            Reply(
                author="claire.morvan",
                hours=40,
                body=(
                    "Je valide la réponse de Sophie. Rappel pour toutes et tous : l'index est "
                    "à publier au plus tard le **1er mars**, et en dessous de 85 points il faut "
                    "aussi fixer des objectifs de progression par indicateur."
                ),
            ),
        ),
    ),
    TopicSpec(
        space="reseau-referents-egalite",
        author="maelle.legoff",
        pseudonym="Une référente égalité en PME",
        days_ago=9,
        title="Signalement de propos sexistes répétés : quelles étapes, dans quel ordre ?",
        themes=("sexist-sexual-violence", "working-conditions"),
        tags=("signalement", "enquête interne"),
        body=(
            "Une salariée est venue me voir hier : depuis plusieurs mois, un collègue de son "
            "équipe fait des remarques sur son physique et des « blagues » à connotation "
            "sexuelle, devant les autres. Elle ne veut pas « faire d'histoires » mais elle "
            "n'en dort plus.\n\n"
            "C'est la première fois que je reçois un signalement de ce genre. Que dois-je "
            "faire, et dans quel ordre, sans aggraver sa situation ?"
        ),
        replies=(
            Reply(
                author="claire.morvan",
                hours=2,
                votes=("maelle.legoff", "sophie.lemoine", "sandrine.quere", "lucia.ferrer"),
                accepted=True,
                body=(
                    "Vous avez bien fait de l'écouter et de ne pas attendre. Les étapes :\n\n"
                    "1. **Protéger tout de suite** : proposez-lui une mesure qui ne la pénalise "
                    "pas, par exemple changer l'horaire ou le poste du collègue, pas le sien.\n"
                    "2. **Écrire** ce qu'elle vous a dit, avec les dates, et lui dire ce qui va "
                    "se passer ensuite.\n"
                    "3. **Mener une enquête interne** rapide et impartiale : entendre la "
                    "salariée, la personne mise en cause et les témoins, avec le ou la "
                    "référente harcèlement du CSE.\n"
                    "4. **Décider** : si les faits sont établis, une sanction disciplinaire. "
                    "Attention, vous avez deux mois à partir du moment où vous les connaissez.\n"
                    "5. **Orienter** la salariée vers la médecine du travail et lui rappeler "
                    "qu'elle peut être accompagnée.\n\n"
                    "Tout au long : confidentialité, et aucune conséquence négative pour elle "
                    "ni pour les témoins. Le ministère du Travail publie un guide pratique sur "
                    "[son site](https://travail-emploi.gouv.fr). Je peux aussi vous appeler si "
                    "vous le souhaitez : seules les personnes qui animent cet espace savent "
                    "qui vous êtes."
                ),
            ),
            Reply(
                author="sophie.lemoine",
                hours=6,
                votes=("maelle.legoff",),
                body=(
                    "J'ajoute un point sur l'enquête : si l'équipe est petite, faites-la mener "
                    "par une personne extérieure au service, voire un cabinet. Une enquête que "
                    "tout le monde juge partiale ne protège personne."
                ),
            ),
            Reply(
                author="sandrine.quere",
                hours=20,
                body=(
                    "Et une fois la situation réglée, profitez-en pour rappeler à toute "
                    "l'équipe ce qu'est un agissement sexiste, sans viser personne : beaucoup "
                    "ignorent que les « blagues » répétées en font partie."
                ),
            ),
            Reply(
                author="maelle.legoff",
                hours=26,
                body=(
                    "Merci à toutes les trois. Le collègue a changé d'équipe dès ce matin et "
                    "l'enquête commence lundi avec la référente du CSE."
                ),
            ),
        ),
    ),
    TopicSpec(
        space="reseau-referents-egalite",
        author="pablo.navarro",
        days_ago=22,
        title="Congé de naissance : nos pères ne prennent que les semaines obligatoires",
        themes=("parenthood", "work-life-balance"),
        tags=("congé paternité", "parentalité"),
        body=(
            "En Espagne, le congé de naissance est le même pour les deux parents, mais à "
            "l'atelier les pères ne prennent que les six semaines obligatoires. Ils disent "
            "que « l'atelier ne peut pas se passer d'eux ».\n\n"
            "Comment faites-vous pour que les pères prennent leur congé en entier ?"
        ),
        replies=(
            Reply(
                author="maelle.legoff",
                hours=5,
                votes=("pablo.navarro", "lucia.ferrer"),
                body=(
                    "Chez nous, le déclic a été que le **directeur de production** prenne "
                    "tout son congé paternité, et qu'on organise son remplacement comme celui "
                    "d'une salariée en congé maternité. Depuis, plus personne ne dit que "
                    "c'est impossible."
                ),
            ),
            Reply(
                author="andrei.popa",
                hours=24,
                body=(
                    "Nous avons ajouté une ligne au plan de charge : chaque naissance annoncée "
                    "déclenche la recherche d'un remplacement, pour les pères comme pour les "
                    "mères. Le sujet est devenu une question d'organisation, plus de "
                    "courage."
                ),
            ),
            Reply(
                author="lucia.ferrer",
                hours=56,
                body=(
                    "Plusieurs entreprises du cluster y réfléchissent, @{pablo.navarro} : je "
                    "propose qu'on en fasse le thème de notre prochaine rencontre."
                ),
            ),
        ),
    ),
    TopicSpec(
        space="reseau-referents-egalite",
        author="andrei.popa",
        days_ago=19,
        title="Audit des salaires : comment comparer des postes « de valeur égale » ?",
        themes=("pay-equality-index", "career-paths"),
        tags=("transparence salariale", "directive européenne"),
        body=(
            "Avec la directive européenne sur la transparence des rémunérations, nous devons "
            "comparer les salaires des postes « de valeur égale », pas seulement des postes "
            "identiques.\n\n"
            "Chez nous, une couturière qualifiée et un mécanicien de machines à coudre ont "
            "des salaires très différents. Avez-vous une méthode pour pondérer "
            "**compétences, efforts, responsabilités et conditions de travail** ?"
        ),
    ),
    # --- Filles et numérique (public, Cluster Égalité Armor) -----------------------------------
    TopicSpec(
        space="filles-et-numerique",
        author="ines.roussel",
        days_ago=13,
        title="Wi-Filles : quelqu'un a-t-il déjà accueilli une promotion en entreprise ?",
        themes=("girls-career-guidance", "digital"),
        tags=("Wi-Filles", "visite d'entreprise"),
        body=(
            "Une entreprise cliente aimerait accueillir une journée des lycéennes du "
            "programme Wi-Filles. Elle me demande ce qu'il faut prévoir : combien de "
            "personnes, quelles activités, combien de temps ?"
        ),
        replies=(
            Reply(
                author="nadia.belkacem",
                hours=3,
                votes=("ines.roussel",),
                body=(
                    "Nous en avons organisé trois avec des entreprises partenaires. Le format "
                    "qui marche : une demi-journée, "
                    "douze filles au maximum, **un atelier pratique** (réparer un site, "
                    "trouver une faille dans un jeu) plutôt qu'une présentation, et un "
                    "déjeuner avec des développeuses de l'équipe."
                ),
            ),
            Reply(
                author="sandrine.quere",
                hours=18,
                body=(
                    "Ce n'est pas du numérique, mais à la verrerie nous montrons les écrans de "
                    "pilotage des fours : les lycéennes découvrent que l'industrie aussi, "
                    "c'est du code."
                ),
            ),
            Reply(
                author="claire.morvan",
                hours=40,
                body=(
                    "Merci @{nadia.belkacem}. @{ines.roussel}, si l'entreprise est dans le "
                    "cluster, on peut relayer la journée aux autres membres : d'autres "
                    "voudront sûrement en accueillir une."
                ),
            ),
        ),
    ),
    TopicSpec(
        space="filles-et-numerique",
        author="sandrine.quere",
        days_ago=4,
        title="Visite d'atelier pour des collégiennes de 4e : quelle convention faut-il ?",
        followers=("ines.roussel",),
        themes=("girls-career-guidance", "industry"),
        tags=("collège", "sécurité"),
        body=(
            "Un collège voisin voudrait faire visiter la verrerie à une classe de 4e, dont "
            "beaucoup d'élèves ont moins de 14 ans. Faut-il une convention avec "
            "l'établissement, et quelles règles de sécurité s'appliquent près des fours ?"
        ),
    ),
    # --- Comité de pilotage (private) ----------------------------------------------------------
    TopicSpec(
        space="comite-de-pilotage",
        author="ioana.vasilescu",
        days_ago=20,
        title="Bilan à mi-parcours : quels indicateurs communs aux trois clusters ?",
        themes=("career-paths", "gpect"),
        tags=("bilan", "indicateurs"),
        body=(
            "Pour le bilan à mi-parcours du programme, je propose trois indicateurs communs :\n"
            "\n"
            "- nombre de PME qui ont un plan d'action égalité adopté ;\n"
            "- part de femmes parmi les personnes recrutées sur les métiers techniques ;\n"
            "- nombre de femmes formées pour accéder à l'encadrement.\n\n"
            "Est-ce que chaque cluster peut les suivre avec ses propres outils ?"
        ),
        replies=(
            Reply(
                author="claire.morvan",
                hours=5,
                votes=("ioana.vasilescu",),
                body=(
                    "D'accord pour les trois. Pour le deuxième, il nous faut une définition "
                    "commune des « métiers techniques », sinon les chiffres ne seront pas "
                    "comparables : je propose une liste d'une dizaine de métiers."
                ),
            ),
            Reply(
                author="lucia.ferrer",
                hours=22,
                body=(
                    "Nous pouvons suivre les trois. J'ajouterais le nombre de visites "
                    "d'ateliers par des lycéennes : c'est le cœur de notre action."
                ),
            ),
            Reply(
                author="sophie.lemoine",
                hours=30,
                body=(
                    "Je peux préparer un tableau de suivi partagé et une fiche de définition "
                    "par indicateur pour la prochaine réunion."
                ),
            ),
        ),
    ),
    # --- Atelier plan d'action égalité – textile (private, Cluster Textil Carpați) -------------
    TopicSpec(
        space="plan-egalite-textile",
        author="andrei.popa",
        days_ago=17,
        title="Parcours vers cheffe d'atelier : comment rémunérer la période de tutorat ?",
        themes=("career-paths", "pay-equality-index"),
        tags=("promotion interne", "tutorat"),
        body=(
            "Nous lançons un parcours de six mois pour que des couturières expérimentées "
            "deviennent cheffes d'atelier : formation au management et binôme avec une "
            "cheffe en poste.\n\n"
            "Pendant ces six mois, faut-il déjà augmenter leur salaire ? Et comment "
            "reconnaître le temps passé par les tutrices ?"
        ),
        replies=(
            Reply(
                author="ioana.vasilescu",
                hours=4,
                votes=("andrei.popa", "elena.munteanu"),
                accepted=True,
                body=(
                    "Ce que nous recommandons dans le cluster :\n\n"
                    "- **une prime de parcours** dès le premier mois, puis le salaire de "
                    "cheffe d'atelier à la prise de poste, sans nouvelle période d'essai ;\n"
                    "- pour les tutrices, **des heures de tutorat comptées dans le temps de "
                    "travail** et une prime, pas du bénévolat ;\n"
                    "- tout écrire dans un avenant, pour que le parcours ne dépende pas de la "
                    "bonne volonté d'un responsable."
                ),
            ),
            Reply(
                author="mihaela.stan",
                hours=20,
                body=(
                    "Côté formation, prévoyez les séances sur le temps de travail : les "
                    "couturières ont souvent des enfants et ne pourront pas venir le samedi."
                ),
            ),
            Reply(
                author="elena.munteanu",
                hours=45,
                body=(
                    "Je suis dans la première promotion, @{andrei.popa} : la prime compte, "
                    "mais ce qui nous rassure le plus, c'est de savoir qu'on pourra revenir "
                    "à notre poste si ça ne nous convient pas."
                ),
            ),
        ),
    ),
    TopicSpec(
        space="plan-egalite-textile",
        author="elena.munteanu",
        days_ago=26,
        title="Horaires en 2x8 et garde d'enfants : un atelier a-t-il testé les horaires choisis ?",
        followers=("ioana.vasilescu",),
        themes=("work-life-balance", "parenthood"),
        tags=("horaires", "garde d'enfants"),
        body=(
            "Dans notre atelier, l'équipe du matin commence à 6 h et celle de l'après-midi "
            "finit à 22 h. Pour les mères seules, aucune des deux n'est tenable sans aide.\n\n"
            "Un atelier du cluster a-t-il essayé de laisser choisir l'équipe, ou de créer une "
            "équipe de journée ?"
        ),
    ),
)

# (login, space slug) following a whole space, set before the topics so they hear of them.
SPACE_FOLLOWS = (
    ("hugo.kerbrat", "recruter-sans-stereotypes"),
    ("sophie.lemoine", "reseau-referents-egalite"),
    ("lucia.ferrer", "mixite-metiers-du-meuble"),
    ("nadia.belkacem", "filles-et-numerique"),
)

_MENTION = re.compile(r"@\{([a-z.]+)\}")


@dataclass
class ForumSeed:
    created: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)


class _Seeder:
    def __init__(self, users: dict[str, User]):
        self.users = users
        self.now = timezone.now()
        self.spaces = {space.slug: space for space in Space.objects.select_related("cluster")}
        self.themes = {theme.slug: theme for theme in Theme.objects.all()}
        self.handles = dict(
            Profile.objects.filter(user__in=users.values()).values_list("user_id", "handle")
        )

    def text(self, body: str) -> str:
        return _MENTION.sub(lambda m: f"@{self.handles[self.users[m.group(1)].pk]}", body)

    def at(self, topic_start: datetime, hours: float) -> datetime:
        return min(topic_start + timedelta(hours=hours), self.now - timedelta(minutes=5))

    def topic(self, spec: TopicSpec) -> Topic:
        opened = self.now - timedelta(days=spec.days_ago)
        asker = self.users[spec.author]
        with _dated(opened):
            topic = topic_create(
                author=asker,
                space=self.spaces[spec.space],
                title=spec.title,
                body=self.text(spec.body),
                kind=spec.kind,
                themes=[self.themes[slug] for slug in spec.themes],
                tags=spec.tags,
                pseudonym=spec.pseudonym,
            )
        Post.objects.filter(topic=topic, number=1).update(created_at=opened)
        if spec.pinned:
            with _dated(opened):
                topic_pin(by=asker, topic=topic, pinned=True)
            ModerationAction.objects.filter(topic=topic).update(created_at=opened)

        last_activity = opened
        for reply in spec.replies:
            written = self.at(opened, reply.hours)
            with _dated(written):
                post = post_create(
                    author=self.users[reply.author], topic=topic, body=self.text(reply.body)
                )
            Post.objects.filter(pk=post.pk).update(created_at=written)
            last_activity = written
            for voter in reply.votes:
                vote_cast(user=self.users[voter], post=post)
            Vote.objects.filter(post=post).update(created_at=self.at(written, 6))
            if reply.validated_by:
                validated = self.at(written, 30)
                with _dated(validated):
                    post_validate(by=self.users[reply.validated_by], post=post)
                Post.objects.filter(pk=post.pk).update(validated_at=validated)
            if reply.accepted:
                with _dated(self.at(written, 20)):
                    answer_accept(by=asker, post=post)
        for login in spec.followers:
            follow_set(user=self.users[login], topic=topic, on=True)
        Topic.objects.filter(pk=topic.pk).update(created_at=opened, last_activity_at=last_activity)
        return topic


@contextmanager
def _dated(when: datetime):
    """Move the notifications sent inside the block to `when` (they would all say "now")."""
    since = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    yield
    Notification.objects.filter(pk__gt=since).update(timestamp=when)


def seed_forum(users: dict[str, User]) -> ForumSeed:
    """Write the demo forum for `users` (demo login -> account); returns what it did.

    What a rule refuses (the demo was changed by hand: someone left a space) is left out and
    reported; the rest still goes in.
    """
    seeder = _Seeder(users)
    result = ForumSeed()
    for login, slug in SPACE_FOLLOWS:
        try:
            follow_set(user=users[login], space=seeder.spaces[slug], on=True)
        except (PermissionDenied, KeyError) as error:
            result.problems.append(f"{login} following {slug}: {error}")
    for spec in TOPICS:
        space = seeder.spaces.get(spec.space)
        if space is None:
            result.problems.append(f"{spec.title}: no space {spec.space}")
            continue
        if Topic.objects.filter(space=space, title=spec.title).exists():
            result.skipped += 1
            continue
        try:
            with transaction.atomic():
                seeder.topic(spec)
        except (PermissionDenied, ValidationError, KeyError) as error:
            result.problems.append(f"{spec.title}: {error}")
            continue
        result.created += 1
    return result
