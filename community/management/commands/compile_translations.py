"""Compile the project's .po catalogues to .mo without GNU gettext.

`make run` must work on a machine without gettext installed, so this replaces
`compilemessages` for the set-up. Developers who change strings still run `makemessages`
(which needs gettext) and commit the .po files.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile every .po file under LOCALE_PATHS to its .mo file."

    def handle(self, *args, **options):
        compiled = 0
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                catalogue = polib.pofile(str(po_path))
                catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
                compiled += 1
                self.stdout.write(
                    f"{po_path.relative_to(settings.BASE_DIR)}: "
                    f"{catalogue.percent_translated()}% translated"
                )
        self.stdout.write(self.style.SUCCESS(f"{compiled} catalogue(s) compiled."))
