"""The demo chat: a lively space room, a direct conversation and a small group.

Written through `forum.chat.services`, as the members would. Each message has a fixed client
id (`demo-<n>`), so running the seed again stores nothing twice: the services find the
messages already sent. The messages are then dated back over the last two days.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community.models import Space, User
from forum.chat.models import Message, Room
from forum.chat.services import (
    message_send,
    reaction_set,
    room_create_group,
    room_mark_read,
    room_start_direct,
    space_room,
)

GROUP_TITLE = "Atelier « Raconte-moi ton métier »"

# (room, sender login, minutes ago, text); rooms: a space slug, "direct" or "group".
MESSAGES = (
    (
        "recruter-sans-stereotypes",
        "claire.morvan",
        2880,
        "Bonjour à toutes et à tous ! Ce salon sert aux questions rapides entre deux sujets du "
        "forum. N'hésitez pas.",
    ),
    (
        "recruter-sans-stereotypes",
        "maelle.legoff",
        2860,
        "Merci Claire ! Quelqu'un a déjà testé les annonces rédigées au féminin et au masculin "
        "pour des postes de conducteur·rice de ligne ?",
    ),
    (
        "recruter-sans-stereotypes",
        "hugo.kerbrat",
        2850,
        "Oui, chez nous : **deux fois plus** de candidatures féminines en trois mois. Le plus "
        "efficace a été d'enlever « port de charges lourdes » quand ce n'était pas vrai.",
    ),
    (
        "recruter-sans-stereotypes",
        "sophie.lemoine",
        2840,
        "Et de montrer des photos de l'atelier avec des femmes qui y travaillent déjà. "
        "@maelle-legoff je peux vous envoyer notre guide si vous voulez.",
    ),
    ("recruter-sans-stereotypes", "maelle.legoff", 2830, "Avec plaisir, merci Sophie !"),
    (
        "recruter-sans-stereotypes",
        "elodie.marchand",
        1500,
        "Petite question : vous faites passer les entretiens en binôme mixte ? On hésite à cause "
        "du temps que ça prend.",
    ),
    (
        "recruter-sans-stereotypes",
        "claire.morvan",
        1490,
        "C'est une des pratiques qui marchent le mieux d'après la fiche du cluster. On en parle à "
        "l'atelier de jeudi ?",
    ),
    (
        "recruter-sans-stereotypes",
        "julien.guillou",
        60,
        "Je viens de publier notre nouvelle grille d'entretien dans le forum, vos retours sont "
        "bienvenus.",
    ),
    (
        "direct",
        "sophie.lemoine",
        1440,
        "Bonjour Maëlle, voici comme promis le lien vers notre guide d'annonces : "
        "https://example.org/guide-annonces",
    ),
    (
        "direct",
        "maelle.legoff",
        1400,
        "Merci beaucoup ! Est-ce qu'on pourrait en parler lors de notre prochain échange ?",
    ),
    ("direct", "sophie.lemoine", 1390, "Bien sûr. Mardi 10 h, ça vous irait ?"),
    (
        "group",
        "claire.morvan",
        720,
        "Je vous propose de préparer ici l'atelier « Raconte-moi ton métier » au lycée.",
    ),
    (
        "group",
        "sophie.lemoine",
        700,
        "Je peux venir avec une technicienne de maintenance de notre réseau.",
    ),
    (
        "group",
        "maelle.legoff",
        30,
        "Super idée. Il faudra prévoir 45 minutes par classe, avec un temps de questions.",
    ),
)

REACTIONS = (("recruter-sans-stereotypes", 3, "sophie.lemoine", "thumbs_up"),
             ("recruter-sans-stereotypes", 3, "claire.morvan", "heart"),
             ("recruter-sans-stereotypes", 8, "maelle.legoff", "thanks"))  # fmt: skip


@dataclass
class ChatSeed:
    created: int = 0
    problems: list[str] = field(default_factory=list)


def _rooms(users: dict[str, User]) -> dict[str, Room]:
    rooms = {
        space.slug: space_room(space)
        for space in Space.objects.filter(slug__in={m[0] for m in MESSAGES})
    }
    rooms["direct"] = room_start_direct(by=users["sophie.lemoine"], other=users["maelle.legoff"])
    group = Room.objects.filter(kind=Room.Kind.GROUP, title=GROUP_TITLE).first()
    if group is None:
        group = room_create_group(
            by=users["claire.morvan"],
            title=GROUP_TITLE,
            members=[users["sophie.lemoine"], users["maelle.legoff"]],
        )
    rooms["group"] = group
    return rooms


def seed_chat(users: dict[str, User]) -> ChatSeed:
    result = ChatSeed()
    try:
        rooms = _rooms(users)
    except (PermissionDenied, ValidationError, KeyError) as error:
        result.problems.append(f"rooms: {error}")
        return result
    now = timezone.now()
    for number, (where, login, minutes, text) in enumerate(MESSAGES, start=1):
        room = rooms.get(where)
        try:
            sent = message_send(
                by=users[login], room=room, client_id=f"demo-{number}", body=_handles(text, users)
            )
        except (PermissionDenied, ValidationError, KeyError) as error:
            result.problems.append(f"message {number} in {where}: {error}")
            continue
        if sent.created:
            result.created += 1
            Message.objects.filter(pk=sent.message.pk).update(
                created_at=now - timedelta(minutes=minutes)
            )
    for where, seq, login, emoji in REACTIONS:
        message = Message.objects.filter(room=rooms[where], seq=seq).first()
        if message is not None:
            reaction_set(by=users[login], message=message, emoji=emoji, on=True)
    for room in rooms.values():
        room.refresh_from_db()
        last = room.messages.order_by("-seq").first()
        if last is not None:
            Room.objects.filter(pk=room.pk).update(last_message_at=last.created_at)
    # Maëlle read the direct conversation up to her own reply: Sophie's answer is new to her.
    room_mark_read(by=users["maelle.legoff"], room=rooms["direct"], seq=2)
    return result


def _handles(text: str, users: dict[str, User]) -> str:
    """`@maelle-legoff` in the texts is the demo login; use the member's real handle."""
    for login, user in users.items():
        handle = getattr(user.profile, "handle", None)
        if handle:
            text = text.replace(f"@{login.replace('.', '-')}", f"@{handle}")
    return text
