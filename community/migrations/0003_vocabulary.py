"""The shared vocabularies: themes, sectors, roles and languages, labelled in French and English."""

from django.db import migrations

THEMES = [
    ("recruitment", "Recrutement", "Recruitment"),
    ("pay-equality-index", "Rémunération et index de l'égalité", "Pay and the equality index"),
    ("work-life-balance", "Articulation des temps de vie", "Work-life balance"),
    ("gender-diversity-of-trades", "Mixité des métiers", "Gender diversity of trades"),
    ("girls-career-guidance", "Orientation des filles", "Girls' career guidance"),
    (
        "sexist-sexual-violence",
        "Violences sexistes et sexuelles au travail",
        "Sexist and sexual violence at work",
    ),
    ("parenthood", "Parentalité", "Parenthood"),
    ("working-conditions", "Conditions de travail", "Working conditions"),
    ("career-paths", "Parcours professionnels", "Career paths"),
    ("digital", "Numérique", "Digital"),
    ("industry", "Industrie", "Industry"),
    ("gpect", "Emplois et compétences territoriales (GPECT)", "Territorial jobs and skills (GPECT)"),
    ("womens-entrepreneurship", "Entrepreneuriat des femmes", "Women's entrepreneurship"),
]

SECTORS = [
    ("manufacturing", "Industrie manufacturière", "Manufacturing"),
    ("construction", "Bâtiment et travaux publics", "Construction"),
    ("digital", "Numérique et informatique", "Digital and IT"),
    ("health-social", "Santé et action sociale", "Health and social care"),
    ("transport-logistics", "Transport et logistique", "Transport and logistics"),
    ("agri-food", "Agroalimentaire", "Food industry"),
    ("textile", "Textile et habillement", "Textiles and clothing"),
    ("furniture-wood", "Ameublement et bois", "Furniture and wood"),
    ("energy-environment", "Énergie et environnement", "Energy and environment"),
    ("business-services", "Services aux entreprises", "Business services"),
    ("education-training", "Éducation et formation", "Education and training"),
    ("public-sector", "Secteur public", "Public sector"),
    ("retail", "Commerce", "Retail"),
    ("hospitality", "Hôtellerie, restauration et tourisme", "Hospitality and tourism"),
    ("social-economy", "Économie sociale et solidaire", "Social economy"),
]

ROLES = [
    ("sme-member", "Membre d'une PME ou TPE", "SME member"),
    ("mentor", "Mentor ou marraine", "Mentor"),
    ("mentee", "Mentorée ou mentoré", "Mentee"),
    ("animator", "Animatrice ou animateur de cluster", "Cluster animator"),
    ("trainer", "Formatrice ou formateur", "Trainer"),
]

LANGUAGES = [
    ("fr", "Français", "French"),
    ("en", "Anglais", "English"),
    ("es", "Espagnol", "Spanish"),
    ("ro", "Roumain", "Romanian"),
    ("de", "Allemand", "German"),
    ("it", "Italien", "Italian"),
    ("pt", "Portugais", "Portuguese"),
    ("nl", "Néerlandais", "Dutch"),
    ("pl", "Polonais", "Polish"),
    ("ar", "Arabe", "Arabic"),
]

VOCABULARIES = {"Theme": THEMES, "Sector": SECTORS, "Role": ROLES, "Language": LANGUAGES}


def create_terms(apps, schema_editor):
    for model_name, terms in VOCABULARIES.items():
        model = apps.get_model("community", model_name)
        for position, (slug, label_fr, label_en) in enumerate(terms):
            model.objects.update_or_create(
                slug=slug,
                defaults={"label_fr": label_fr, "label_en": label_en, "position": position},
            )


def delete_terms(apps, schema_editor):
    for model_name, terms in VOCABULARIES.items():
        apps.get_model("community", model_name).objects.filter(
            slug__in=[slug for slug, _fr, _en in terms]
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("community", "0002_pages")]

    operations = [migrations.RunPython(create_terms, delete_terms)]
