"""``manage.py restore NAME|latest [--yes]``: replace the database and the media with those
of a backup. Stop the web and task processes first. Without ``--yes`` it asks for a
typed confirmation, or refuses when nobody can answer (no terminal)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from ...exceptions import BackupError
from ...services import backup_restore
from ...targets import target_from


class Command(BaseCommand):
    help = "Replace the database and the media with those of a backup (a name or 'latest')."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="The backup's name (teranga-….tar) or 'latest'.")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask: the current data will be replaced."
        )
        parser.add_argument(
            "--target", help="A folder or s3://bucket/prefix (default: BACKUP_TARGET)."
        )

    def _confirmed(self, name: str, target: str) -> bool:
        if not sys.stdin.isatty():
            return False
        self.stdout.write(
            f"This replaces the whole database and every media file with backup {name} "
            f"from {target}. Stop the web and task processes first."
        )
        return input("Type 'yes' to restore: ").strip().lower() == "yes"

    def handle(self, *args, **options) -> None:
        try:
            target = target_from(options["target"])
            if not options["yes"] and not self._confirmed(options["name"], target.describe()):
                raise CommandError(
                    "Nothing restored: a restore replaces the database and the media; "
                    "run it again with --yes to go on."
                )
            result = backup_restore(name=options["name"], target=target)
        except BackupError as error:
            raise CommandError(str(error))
        manifest, media = result.manifest, result.media
        self.stdout.write(
            f"Restored backup {result.name} (made {manifest['created_at']}) from "
            f"{result.target} in {result.seconds:.1f} s:"
        )
        self.stdout.write(
            f"  database: {manifest['database_vendor']}, replaced (its schema: "
            f"{sum(len(names) for names in manifest['migrations'].values())} migrations)"
        )
        self.stdout.write(
            f"  media: {media.files} files ({media.files - media.unchanged} written, "
            f"{media.unchanged} already identical), {media.removed} files not in the backup "
            "removed"
        )
        if result.migrations_unknown:
            self.stdout.write(
                self.style.WARNING(
                    f"  The backup has {len(result.migrations_unknown)} migrations this "
                    f"version does not know ({', '.join(result.migrations_unknown[:5])}…): "
                    "it was made by a newer version of Teranga; deploy that version."
                )
            )
        if result.migrations_missing:
            self.stdout.write(
                self.style.WARNING(
                    f"  {len(result.migrations_missing)} migrations of this version are not "
                    "applied to the restored database: run `manage.py migrate` before "
                    "starting the web and task processes."
                )
            )
