"""Accounts and member profiles."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from community.countries import COUNTRIES
from community.validators import validate_image_extension, validate_image_upload


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        # Every account shows somewhere under a name: accounts made here (createsuperuser,
        # commands) get a profile at once; the sign-up form names its own.
        name = user.email.split("@")[0][:80]
        Profile.objects.using(self._db).get_or_create(
            user=user, defaults={"display_name": name, "handle": unique_handle(name)}
        )
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person with an account. Logs in with the e-mail address; has no username."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        profile = getattr(self, "profile", None)
        return profile.display_name if profile else self.email

    def get_full_name(self) -> str:
        return str(self)

    def get_short_name(self) -> str:
        return str(self)


def unique_handle(display_name: str) -> str:
    """A free `@handle` made from a name: "Claire Morvan" -> "claire-morvan" (or "-2", "-3"…)."""
    base = slugify(display_name)[:34].strip("-") or "member"
    handle, n = base, 1
    while Profile.objects.filter(handle=handle).exists():
        n += 1
        handle = f"{base}-{n}"
    return handle


class Visibility(models.TextChoices):
    """Who sees a profile, or one field of it. Platform staff always see everything."""

    MEMBERS = "members", _("All signed-in members")
    SPACES = "spaces", _("Members of my spaces")
    PRIVATE = "private", _("Only me")


def _visibility_field(label):
    return models.CharField(
        label, max_length=10, choices=Visibility.choices, default=Visibility.MEMBERS
    )


class Profile(models.Model):
    """What a member shows of themselves, field by field."""

    # The fields a member can hide one by one; each has a `<name>_visibility` column.
    VISIBILITY_FIELDS = (
        "photo",
        "bio",
        "location",
        "organisation",
        "languages",
        "sectors",
        "themes",
        "roles",
    )

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(_("display name"), max_length=80)
    # How others @mention the member in the forum and chat; given once, from the first name.
    handle = models.SlugField(_("handle"), max_length=40, unique=True, null=True, editable=False)
    photo = models.ImageField(
        _("photo"),
        upload_to="profiles/%Y/%m/",
        blank=True,
        validators=[validate_image_extension, validate_image_upload],
    )
    bio = models.TextField(_("about me"), max_length=2000, blank=True)
    languages = models.ManyToManyField(
        "community.Language", blank=True, verbose_name=_("languages")
    )
    country = models.CharField(_("country"), max_length=2, choices=COUNTRIES, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    sectors = models.ManyToManyField("community.Sector", blank=True, verbose_name=_("sectors"))
    themes = models.ManyToManyField(
        "community.Theme", blank=True, verbose_name=_("themes of interest")
    )
    roles = models.ManyToManyField("community.Role", blank=True, verbose_name=_("roles"))
    organisation = models.ForeignKey(
        "community.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("organisation"),
    )
    profile_visibility = models.CharField(
        _("who can find my profile"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.MEMBERS,
    )
    photo_visibility = _visibility_field(_("who sees my photo"))
    bio_visibility = _visibility_field(_("who sees my presentation"))
    location_visibility = _visibility_field(_("who sees my country and region"))
    organisation_visibility = _visibility_field(_("who sees my organisation"))
    languages_visibility = _visibility_field(_("who sees my languages"))
    sectors_visibility = _visibility_field(_("who sees my sectors"))
    themes_visibility = _visibility_field(_("who sees my themes"))
    roles_visibility = _visibility_field(_("who sees my roles"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        ordering = ["display_name"]
        indexes = [models.Index(fields=["profile_visibility", "display_name"])]

    def __str__(self) -> str:
        return self.display_name
