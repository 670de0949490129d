"""A large forum for the forum bench, written in bulk into an already seeded demo database.

Rows go in with `bulk_create`, not through `forum.services` (a service call per row would take
an hour for 100,000 replies), so this module keeps by hand what the services would keep:

- each topic's posts are numbered 1, 2, 3… without gaps, post #1 being the opening post;
- `Topic.last_number` is the last number, `reply_count` the number of replies, `revision`
  counts them too, `last_activity_at` is the date of the last post;
- `Post.space` is the topic's space; `is_visible` is false exactly for the few hidden replies
  (`hidden_at` set, hidden automatically, `hidden_by` empty);
- answered questions have `status=answered` and an `accepted_post` among their replies;
- `body_html` is the body's paragraphs escaped into `<p>` (what the Markdown renderer gives
  for plain paragraphs);
- authors are active members of the space; dates go forward within a topic;
- every post is in the search index (Wagtail's database backend), with its topic's title
  indexed on the opening post, as `forum.services` does through `index.insert_or_update_object`.

Not written: votes (`helpful_count` stays 0), follows, read markers, mentions, notifications
and tags. Text is French, drawn from a vocabulary of the demo's themes with a skewed frequency,
so that full-text search has common and rare words to rank.

Needs Django set up on the target database; call `seed_forum()` outside any transaction (it
opens its own).
"""

import random
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from html import escape

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from wagtail.search.backends import get_search_backend

from community.models import Membership, Space
from forum.models import Post, Topic

# --- Vocabulary ---------------------------------------------------------------------------------

NOUNS = (
    "l'entretien d'embauche", "la grille de salaires", "l'index de l'égalité",
    "le congé parental", "la crèche d'entreprise", "le télétravail", "la charge mentale",
    "la prévention du harcèlement sexuel", "la prévention des violences sexistes",
    "le plan d'action",
    "l'accord d'entreprise", "la négociation annuelle", "le comité social et économique",
    "la référente égalité", "le tutorat", "la formation continue", "l'apprentissage",
    "l'alternance", "la mixité des métiers", "l'atelier de production",
    "la ligne de conditionnement", "le poste de soudeuse", "la conductrice de ligne",
    "le technicien de maintenance", "l'offre d'emploi", "l'annonce", "la fiche de poste",
    "le recrutement", "la promotion interne", "l'écart de rémunération",
    "la prime d'ancienneté", "le temps partiel", "les horaires décalés", "la garde d'enfants",
    "la parentalité", "le congé de paternité", "le retour de congé maternité",
    "l'entretien professionnel", "la visite médicale", "l'ergonomie du poste",
    "les équipements de protection", "les vestiaires", "la médecine du travail",
    "l'emploi des personnes handicapées", "le bilan de compétences", "la validation des acquis",
    "le lycée professionnel", "les collégiennes", "le stage d'observation", "le marrainage",
    "la journée portes ouvertes", "le forum des métiers", "la fédération professionnelle",
    "la direction", "les ressources humaines", "la cheffe d'équipe", "le management",
    "la lutte contre le sexisme ordinaire", "le travail sur les stéréotypes",
    "l'écriture inclusive",
    "la communication interne", "le baromètre social", "les indicateurs", "le diagnostic",
    "le tableau de bord", "la subvention régionale", "l'organisme de formation",
    "le cluster", "la PME", "l'agence d'intérim", "la convention de stage",
    "le règlement intérieur", "la cellule d'écoute", "l'enquête interne", "le signalement",
    "la procédure disciplinaire", "l'inspection du travail", "le numérique",
    "le développement web", "la cybersécurité", "la menuiserie", "le textile", "la couture",
    "l'agroalimentaire", "la conserverie", "la verrerie", "la logistique", "le transport",
    "le bâtiment", "l'aide à domicile", "la petite enfance", "le salaire d'embauche",
    "la période d'essai", "le contrat à durée indéterminée", "l'équipe de nuit",
    "le planning", "la polyvalence", "les heures supplémentaires", "la mutuelle",
    "l'accompagnement", "la mobilité interne", "le référentiel de compétences",
    "la classification des emplois", "la pesée des postes", "le comité de direction",
    "la gouvernance", "le conseil d'administration", "les quotas", "la parité",
    "le réseau de femmes", "la confiance en soi", "la prise de parole", "le leadership",
    "le mentorat", "la reconversion", "la pénibilité", "le port de charges",
    "la manutention", "l'exosquelette", "la robotisation", "l'automatisation",
    "la conduite d'engins", "le chariot élévateur", "le permis cariste", "la soudure",
    "l'usinage", "la tôlerie", "la chaudronnerie", "l'électricité", "la plomberie",
    "la maintenance industrielle", "le contrôle qualité", "la sécurité au travail",
    "le document unique", "les risques psychosociaux", "la prévention du burn-out",
    "le suivi de l'absentéisme",
    "l'analyse du turnover", "la fidélisation", "la marque employeur", "les réseaux sociaux",
    "la cooptation", "le job dating", "Pôle emploi", "la mission locale",
    "l'école de la deuxième chance", "l'orientation", "les conseillères d'orientation",
    "les parents d'élèves", "la classe de troisième", "le baccalauréat professionnel",
    "le BTS", "l'école d'ingénieurs", "la bourse", "le budget", "le calendrier",
    "le bilan à mi-parcours", "le rapport annuel", "la déclaration", "le site internet",
    "la newsletter", "le webinaire", "la formation des managers", "le guide pratique",
    "la boîte à outils", "le modèle de courrier", "la check-list", "le retour d'expérience",
)  # fmt: skip

SUBJECTS = (
    "notre entreprise", "la direction", "l'équipe RH", "le CSE", "notre cluster",
    "ma collègue", "une adhérente", "l'atelier", "la référente égalité",
    "notre PME de quarante salariés", "on", "le service formation", "la responsable de site",
    "notre délégué syndical", "l'animatrice du réseau", "la cheffe d'atelier",
    "une entreprise voisine", "notre agence d'intérim", "le lycée du secteur",
)  # fmt: skip

VERBS = (
    "a mis en place", "cherche à améliorer", "propose", "a réduit", "a revu", "prépare",
    "organise", "compare", "a réécrit", "accompagne", "finance", "mesure chaque année",
    "publie", "évalue", "négocie", "adapte", "valorise", "veut simplifier", "partage",
    "anticipe", "encourage", "a testé", "a abandonné", "suit de près", "remet en question",
    "documente", "présente", "a généralisé", "hésite à changer", "a confié à un prestataire",
)  # fmt: skip

COMPLEMENTS = (
    "pour les nouvelles recrues", "avec les chefs d'équipe", "dans les ateliers",
    "sans budget supplémentaire", "avant la fin de l'année", "auprès des lycéennes",
    "sur le temps de travail", "dès la période d'essai", "depuis la dernière négociation",
    "en lien avec {np}", "grâce à {np}", "malgré {np}", "à la place de {np}",
    "en même temps que {np}", "pour préparer {np}", "après {np}", "autour de {np}",
    "pour toutes les équipes", "avec l'aide du cluster", "en Bretagne comme ailleurs",
)  # fmt: skip

OPENERS = (
    "", "", "", "Bonjour,", "Chez nous,", "Depuis deux ans,", "Dans notre atelier,",
    "Pour être honnête,", "De notre côté,", "L'an dernier,", "Concrètement,",
    "Merci pour ce sujet :", "À mon avis,", "Petite précision :", "Bonne question :",
    "Au début,", "Aujourd'hui,", "Pour info,", "Côté terrain,", "En pratique,",
)  # fmt: skip

ADJECTIVES = (
    "concret", "simple", "efficace", "difficile", "récent", "obligatoire", "régional",
    "annuel", "collectif", "utile", "rapide", "progressif", "transparent", "équitable",
    "souple", "clair", "coûteux", "fragile", "solide", "nouveau", "ambitieux", "discret",
)  # fmt: skip

REMARKS = (
    "Le résultat est {adj}, mais il faut du temps.",
    "C'est {adj} à expliquer aux équipes.",
    "Le point le plus {adj} reste {np}.",
    "Je vous conseille de commencer par {np}.",
    "Quelqu'un a-t-il un exemple de {np} ?",
    "Il faudrait en parler à la prochaine réunion du réseau.",
    "Les chiffres de {np} ont changé en six mois.",
    "Nous avons eu un retour {adj} sur {np}.",
    "Attention à {np} : ce n'est pas toujours {adj}.",
    "Je partage volontiers notre modèle si ça peut servir.",
)  # fmt: skip

TITLES = (
    "Comment améliorer {np} {cp} ?",
    "{NP} : vos retours d'expérience ?",
    "{NP} et {np} : par où commencer ?",
    "Quelle méthode pour {np} {cp} ?",
    "Faut-il revoir {np} ?",
    "{NP} {cp} : quelqu'un a-t-il testé ?",
    "Besoin d'aide sur {np}",
    "{NP} : ce que nous avons appris",
    "Question sur {np} dans une PME",
    "Retour sur {np} {cp}",
)  # fmt: skip

PSEUDONYMS = (
    "Une RH du Finistère", "Salariée de l'agroalimentaire", "Cheffe d'équipe inquiète",
    "Un délégué du personnel", "Référente discrète",
)  # fmt: skip

# Searches a member might type: frequent words, rarer ones, two-word phrases, a miss.
QUERIES = (
    "entretien embauche", "index égalité", "congé parental", "harcèlement", "télétravail",
    "tutorat", "garde enfants", "écart rémunération", "lycéennes", "soudeuse", "crèche",
    "cybersécurité", "prime ancienneté", "signalement enquête", "mixité métiers",
    "charge mentale", "période essai", "chariot élévateur", "marrainage", "stéréotypes",
    "plan action", "formation managers", "risques psychosociaux", "exosquelette",
    "conserverie", "vestiaires", "parité gouvernance", "reconversion", "job dating",
    "négociation annuelle", "menuiserie", "quotas", "horaires décalés", "check-list",
    "baromètre social", "mobilité interne", "pesée des postes", "burn-out",
    "webinaire", "zythogramme",
)  # fmt: skip


class Writer:
    """Random French text over the vocabulary, with a Zipf-like frequency of the noun phrases."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        nouns = list(NOUNS)
        rng.shuffle(nouns)
        self.nouns = nouns
        self.weights = [1 / (rank + 1) ** 0.9 for rank in range(len(nouns))]

    def np(self) -> str:
        return self.rng.choices(self.nouns, self.weights)[0]

    def cp(self) -> str:
        return self.rng.choice(COMPLEMENTS).replace("{np}", self.np(), 1)

    def sentence(self) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            text = rng.choice(REMARKS).format(np=self.np(), adj=rng.choice(ADJECTIVES))
        else:
            opener = rng.choice(OPENERS)
            text = f"{opener} {rng.choice(SUBJECTS)} {rng.choice(VERBS)} {self.np()} {self.cp()}."
            if rng.random() < 0.3:
                text = text[:-1] + f", et {self.np()} suit."
        text = text.strip()
        return text[0].upper() + text[1:]

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(1, 4)))

    def body(self, long: bool = False) -> list[str]:
        count = self.rng.randint(2, 4) if long else self.rng.choices((1, 2, 3), (5, 3, 1))[0]
        return [self.paragraph() for _ in range(count)]

    def title(self) -> str:
        template = self.rng.choice(TITLES)
        first = self.np()
        title = template.format(NP=first[0].upper() + first[1:], np=self.np(), cp=self.cp())
        return title[:200]


def html_of(paragraphs: list[str]) -> str:
    return "\n".join(f"<p>{escape(paragraph, quote=False)}</p>" for paragraph in paragraphs)


# --- Seeding ------------------------------------------------------------------------------------

# Share of the topics per demo space; the list space gets the most, well over 1,000 by default.
SPACE_WEIGHTS = {
    "recruter-sans-stereotypes": 0.30,
    "mixite-metiers-du-meuble": 0.15,
    "reseau-referents-egalite": 0.15,
    "filles-et-numerique": 0.15,
    "comite-de-pilotage": 0.10,
    "plan-egalite-textile": 0.15,
}
CHUNK = 1000  # topics written (and their posts indexed) at a time
INDEX_BATCH = 10_000  # posts handed to the search backend at a time


@dataclass
class Seeded:
    topics: int = 0
    replies: int = 0
    big_topic_id: int = 0  # the topic with exactly `big_replies` replies
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step


@contextmanager
def _dates_as_given():
    """Let bulk_create keep the dates set on the rows (auto_now_add would overwrite them)."""
    fields = [Topic._meta.get_field(name) for name in ("created_at", "last_activity_at")]
    fields.append(Post._meta.get_field("created_at"))
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True


def _reply_counts(rng: random.Random, topics: int, replies: int, big: int, big_at: int):
    """Replies per topic: `big` for the topic at `big_at`, the rest skewed over the others."""
    counts = [0] * topics
    counts[big_at] = big
    others = [i for i in range(topics) if i != big_at]
    if others and replies > big:
        # Most topics get a handful of replies, a few some dozens (none more than ~150).
        weights = [min(rng.paretovariate(1.5), 40.0) for _ in others]
        for i, n in Counter(rng.choices(others, weights, k=replies - big)).items():
            counts[i] = n
    return counts


def seed_forum(
    *,
    topics: int,
    replies: int,
    big_replies: int = 200,
    big_space: str = "recruter-sans-stereotypes",
    index: str = "bulk",
    seed: int = 2026,
    progress=print,
) -> Seeded:
    """Write `topics` topics and `replies` replies over the demo spaces; index them.

    `index` is "bulk" (the backend's add_bulk, chunk by chunk, in the same transaction) or
    "command" (`manage.py update_index` once everything is written).
    """
    rng = random.Random(seed)
    writer = Writer(rng)
    result = Seeded(topics=topics, replies=replies)
    started = time.perf_counter()
    now = timezone.now()

    spaces = {s.slug: s for s in Space.objects.filter(slug__in=SPACE_WEIGHTS)}
    members: dict[int, list[int]] = {s.pk: [] for s in spaces.values()}
    for space_id, user_id in Membership.objects.filter(
        space__in=spaces.values(), state=Membership.State.ACTIVE
    ).values_list("space_id", "user_id"):
        members[space_id].append(user_id)
    if len(spaces) != len(SPACE_WEIGHTS) or not all(members.values()):
        raise RuntimeError("the demo spaces and their members are missing: run seed_demo first")
    themes = {s.pk: list(s.themes.values_list("pk", flat=True)) for s in spaces.values()}

    slugs = list(spaces)
    topic_spaces = rng.choices(
        [spaces[slug] for slug in slugs], [SPACE_WEIGHTS[slug] for slug in slugs], k=topics
    )
    # The big topic: a question in the big space, opened a month ago.
    big_at = next(i for i, s in enumerate(topic_spaces) if s.slug == big_space)
    big = min(big_replies, replies)
    counts = _reply_counts(rng, topics, replies, big, big_at)
    opened = sorted(now - timedelta(days=rng.uniform(2, 400)) for _ in range(topics))
    opened[big_at] = now - timedelta(days=30)

    backend = get_search_backend()
    indexed = 0.0
    through = Topic.themes.through
    with transaction.atomic(), _dates_as_given():
        for start in range(0, topics, CHUNK):
            rows, posts_of = [], []
            for i in range(start, min(start + CHUNK, topics)):
                space = topic_spaces[i]
                authors = members[space.pk]
                n = counts[i]
                kind = Topic.Kind.QUESTION if rng.random() < 0.85 else Topic.Kind.DISCUSSION
                if i == big_at:
                    kind = Topic.Kind.QUESTION
                pseudonym = ""
                if kind == Topic.Kind.QUESTION and rng.random() < 0.03 and i != big_at:
                    pseudonym = rng.choice(PSEUDONYMS)
                dates = sorted(opened[i] + (now - opened[i]) * rng.random() ** 2 for _ in range(n))
                topic = Topic(
                    space=space,
                    author_id=rng.choice(authors),
                    pseudonym=pseudonym,
                    title=writer.title(),
                    kind=kind,
                    last_number=n + 1,
                    revision=n + 1,
                    reply_count=n,
                    created_at=opened[i],
                    last_activity_at=dates[-1] if dates else opened[i],
                )
                body = writer.body(long=True)
                posts = [
                    Post(
                        topic=topic,
                        space=space,
                        number=1,
                        author_id=topic.author_id,
                        body="\n\n".join(body),
                        body_html=html_of(body),
                        created_at=opened[i],
                    )
                ]
                for number, when in enumerate(dates, start=2):
                    body = writer.body()
                    hidden = rng.random() < 0.005 and i != big_at
                    posts.append(
                        Post(
                            topic=topic,
                            space=space,
                            number=number,
                            author_id=rng.choice(authors),
                            body="\n\n".join(body),
                            body_html=html_of(body),
                            created_at=when,
                            hidden_at=when + timedelta(hours=2) if hidden else None,
                            is_visible=not hidden,
                        )
                    )
                rows.append(topic)
                posts_of.append(posts)
                if i == big_at:
                    big_topic = topic
            Topic.objects.bulk_create(rows, batch_size=500)
            for topic, posts in zip(rows, posts_of, strict=True):
                for post in posts:
                    post.topic = topic  # sets topic_id now that the topic has its pk
            chunk_posts = [post for posts in posts_of for post in posts]
            Post.objects.bulk_create(chunk_posts, batch_size=2000)

            # Answered questions, pinned topics and themes, now that the pks exist.
            answered = []
            for topic, posts in zip(rows, posts_of, strict=True):
                replies_shown = [p for p in posts[1:] if p.is_visible]
                if topic.kind == Topic.Kind.QUESTION and replies_shown and rng.random() < 0.4:
                    topic.accepted_post = rng.choice(replies_shown)
                    topic.status = Topic.Status.ANSWERED
                    answered.append(topic)
            Topic.objects.bulk_update(answered, ["accepted_post", "status"], batch_size=500)
            through.objects.bulk_create(
                [
                    through(topic_id=topic.pk, theme_id=theme)
                    for topic in rows
                    for theme in rng.sample(
                        themes[topic.space_id], min(len(themes[topic.space_id]), 2)
                    )
                ],
                batch_size=2000,
            )
            if index == "bulk":
                t = time.perf_counter()
                for b in range(0, len(chunk_posts), INDEX_BATCH):
                    backend.add_bulk(Post, chunk_posts[b : b + INDEX_BATCH])
                indexed += time.perf_counter() - t
            done = min(start + CHUNK, topics)
            if done % (CHUNK * 5) == 0 or done == topics:
                progress(f"  seeded {done}/{topics} topics ({time.perf_counter() - started:.0f}s)")
        # A few pinned topics per space, as animators would pin them.
        for space in spaces.values():
            pinned = Topic.objects.filter(space=space).order_by("?").values_list("pk")[:2]
            Topic.objects.filter(pk__in=pinned).update(is_pinned=True)
    result.big_topic_id = big_topic.pk
    result.timings["rows"] = time.perf_counter() - started - indexed
    if index == "command":
        t = time.perf_counter()
        call_command("update_index", verbosity=0)
        indexed = time.perf_counter() - t
    result.timings["index"] = indexed
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    result.timings["total"] = time.perf_counter() - started
    return result
