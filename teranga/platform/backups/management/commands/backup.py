"""``manage.py backup``: back up the database and the media into one archive on
``BACKUP_TARGET`` (a folder or ``s3://bucket/prefix``), then keep the newest
``BACKUP_KEEP``. ``--list`` lists the backups; ``--check NAME`` checks one (``latest``)
without restoring it."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ...exceptions import BackupError
from ...services import backup_check, backup_create, backups_list
from ...targets import target_from


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


class Command(BaseCommand):
    help = "Back up the database and the media (or list or check the backups)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--list", action="store_true", help="List the backups, oldest first.")
        parser.add_argument(
            "--check",
            metavar="NAME",
            help="Check a backup (a name or 'latest'): its manifest, sizes and SHA-256.",
        )
        parser.add_argument(
            "--target", help="A folder or s3://bucket/prefix (default: BACKUP_TARGET)."
        )
        parser.add_argument(
            "--keep", type=int, help="How many of the newest backups to keep (BACKUP_KEEP)."
        )

    def handle(self, *args, **options) -> None:
        try:
            target = target_from(options["target"])
            if options["list"]:
                self._list(target)
            elif options["check"]:
                manifest = backup_check(name=options["check"], target=target)
                media = manifest["parts"]["media"]
                self.stdout.write(
                    f"{manifest['name']}: intact ({manifest['database_vendor']} database, "
                    f"{media['files']} media files, made {manifest['created_at']})"
                )
            else:
                self._create(target, options["keep"])
        except BackupError as error:
            raise CommandError(str(error))

    def _list(self, target) -> None:
        infos = backups_list(target=target)
        self.stdout.write(f"{len(infos)} backup(s) in {target.describe()}")
        for info in infos:
            self.stdout.write(f"{info.name}  {info.created_at.isoformat()}  {_size(info.size)}")

    def _create(self, target, keep: int | None) -> None:
        result = backup_create(target=target, keep=keep)
        parts = result.manifest["parts"]
        media = parts["media"]
        self.stdout.write(
            f"Backup {result.name} stored in {result.target} ({_size(result.size)}, "
            f"{result.seconds:.1f} s): {result.manifest['database_vendor']} database "
            f"{_size(parts['database']['size'])}, {media['files']} media files "
            f"{_size(media['bytes'])}"
        )
        for name in result.pruned:
            self.stdout.write(f"Deleted the old backup {name}")
