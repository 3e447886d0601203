"""The backup round trip, as an operator runs it: ``manage.py backup``, a wipe, ``manage.py
restore``, and the data and the files are equal again.

pytest-django holds the test database, so the commands run as real processes against a
throwaway site of their own (``site``, conftest.py): on the leg's database, with DATA_DIR
and MEDIA_ROOT in tmp_path.

On each leg the round trip runs on that leg's database, to a folder with local media, and
to S3 with the media on S3 too (moto's server on 127.0.0.1).
"""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
from pathlib import Path

from tests.live import PYTHON, ROOT, manage
from tests.s3 import ACCESS_KEY, REGION, SECRET_KEY, s3_bucket, s3_keys, s3_server  # noqa: F401
from tests.skips import current_leg

LEG = current_leg()

# A tiny PNG made in the child process: the logo of the organisation.
SEED = """
import io
from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from PIL import Image
from teranga.platform.accounts.models import User
from teranga.platform.organizations.models import (
    Branch, Membership, Organization, VerificationDocument,
)

user = User.objects.create_user(email="owner@example.test", password="Backup-Test-2026!")
EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
org = Organization.objects.create(
    kind="business", name="Teranga Sauvegardes", slug="teranga-sauvegardes", city="Dakar"
)
image = io.BytesIO()
Image.new("RGB", (8, 8), (200, 30, 60)).save(image, format="PNG")
org.logo.save("logo.png", ContentFile(image.getvalue()), save=True)
Branch.objects.create(organization=org, name="Plateau", address="Avenue Senghor")
Membership.objects.create(organization=org, user=user, role="owner")
VerificationDocument.objects.create(
    organization=org, kind="ninea", uploaded_by=user,
    file=ContentFile(b"%PDF-1.4 NINEA " + bytes(range(256)), name="ninea.pdf"),
)
print("seeded")
"""

# The rows of a few models and every media file (name -> hex bytes), as JSON.
SNAPSHOT = """
import json
from teranga.platform.accounts.models import User
from teranga.platform.backups.media import media_storages, nested_folders, walk
from teranga.platform.organizations.models import (
    Branch, Membership, Organization, VerificationDocument,
)

walked = media_storages()
files = {}
for alias, storage in walked.items():
    for name in walk(storage, nested_folders(alias, walked)):
        with storage.open(name, "rb") as stream:
            files[f"{alias}/{name}"] = stream.read().hex()
rows = {
    "users": list(User.objects.order_by("email").values("id", "email", "password", "is_active")),
    "organizations": list(Organization.objects.order_by("slug").values()),
    "branches": list(Branch.objects.order_by("name").values()),
    "memberships": list(Membership.objects.order_by("role").values()),
    "documents": list(VerificationDocument.objects.order_by("kind").values()),
}
print("SNAPSHOT" + json.dumps({"rows": rows, "files": files}, default=str, sort_keys=True))
"""

# Delete the rows and the media files; then what happens after the backup: a new user
# and a stray file, which the restore must take away.
WIPE = """
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from teranga.platform.accounts.models import User
from teranga.platform.backups.media import media_storages, nested_folders, walk
from teranga.platform.organizations.models import Organization

walked = media_storages()
for alias, storage in walked.items():
    for name in list(walk(storage, nested_folders(alias, walked))):
        storage.delete(name)
Organization.objects.all().delete()
User.objects.all().delete()
User.objects.create_user(email="late@example.test", password="Backup-Test-2026!")
storages["default"].save("organizations/stray.txt", ContentFile(b"not in the backup"))
print("wiped")
"""


def snapshot(env: dict, script: str = "") -> dict:
    """Runs ``script`` (if any), then prints and returns the snapshot, in one process."""
    output = manage("shell", "-c", script + SNAPSHOT, env=env)
    return json.loads(output.split("SNAPSHOT", 1)[1])


def run(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def seed(env: dict) -> dict:
    before = snapshot(env, SEED)
    assert [user["email"] for user in before["rows"]["users"]] == ["owner@example.test"]
    assert before["rows"]["organizations"][0]["logo"]
    names = set(before["files"])
    assert len(names) == 2, names  # the logo and the verification document
    return before


def wipe(env: dict, before: dict) -> dict:
    after = snapshot(env, WIPE)
    assert after["rows"]["organizations"] == []
    assert [user["email"] for user in after["rows"]["users"]] == ["late@example.test"]
    assert set(after["files"]) == {"default/organizations/stray.txt"}
    assert after != before
    return after


# --- The round trips --------------------------------------------------------------------


def test_round_trip_to_a_folder(site, tmp_path):
    """Back up, wipe, restore: equal rows and files. Before that, a restore refuses to run
    without --yes, and refuses a damaged archive before it changes anything."""
    before = seed(site)
    out = manage("backup", env=site)
    assert "Backup teranga-" in out and "2 media files" in out
    archives = sorted((tmp_path / "backups").glob("teranga-*.tar"))
    assert len(archives) == 1
    archive = archives[0]
    with tarfile.open(archive) as tar:
        dump = f"database.{'sqlite3' if LEG == 'sqlite' else 'pgdump'}"
        assert sorted(tar.getnames()) == sorted(["manifest.json", "media.tar", dump])
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["database_vendor"] == LEG
    assert "0001_initial" in manifest["migrations"]["organizations"]
    assert manifest["parts"]["media"]["files"] == 2
    assert len(manifest["parts"]["database"]["sha256"]) == 64
    listed = manage("backup", "--list", env=site)
    assert archive.name in listed and "1 backup(s)" in listed

    # A later archive whose media part has one byte changed (its manifest is intact).
    damaged = archive.with_name("teranga-29991231T235959Z.tar")
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as out:
        for member in source.getmembers():
            data = bytearray(source.extractfile(member).read())
            if member.name == "media.tar":
                data[len(data) // 3] ^= 0xFF
            out.addfile(member, io.BytesIO(bytes(data)))

    after_wipe = wipe(site, before)

    refused = run("restore", archive.name, env=site)  # no --yes and no terminal to ask
    assert refused.returncode != 0 and "--yes" in refused.stderr
    check = run("backup", "--check", "latest", env=site)
    assert check.returncode != 0 and "does not match its manifest" in check.stderr
    result = run("restore", "latest", "--yes", env=site)
    assert result.returncode != 0 and "the archive is damaged" in result.stderr
    assert snapshot(site) == after_wipe  # neither changed anything

    out = manage("restore", archive.name, "--yes", env=site)
    assert f"Restored backup {archive.name}" in out
    assert "1 files not in the backup removed" in out
    # The logo's bytes on the disk are those of the backup, where the app reads them.
    media_root = Path(site["MEDIA_ROOT"])
    logo = before["rows"]["organizations"][0]["logo"]
    found = [path for path in media_root.rglob("*") if path.is_file()]
    assert len(found) == 2
    assert any(path.as_posix().endswith(logo) for path in found)
    assert snapshot(site) == before


def test_round_trip_on_s3_with_retention(site, s3_server):  # noqa: F811
    media_bucket = s3_bucket(s3_server)
    backup_bucket = s3_bucket(s3_server)
    site.update(
        S3_BUCKET=media_bucket,
        S3_ENDPOINT_URL=s3_server,
        S3_REGION=REGION,
        S3_ACCESS_KEY_ID=ACCESS_KEY,
        S3_SECRET_ACCESS_KEY=SECRET_KEY,
        BACKUP_TARGET=f"s3://{backup_bucket}/nightly",
        BACKUP_KEEP="1",
    )
    before = seed(site)
    assert len(s3_keys(s3_server, media_bucket)) == 2  # the media are on S3
    names = []
    for _ in range(2):
        out = manage("backup", env=site)
        names.append(out.split("Backup ", 1)[1].split(" ", 1)[0])
    # Two backups with BACKUP_KEEP=1: the first was deleted after the second.
    assert f"Deleted the old backup {names[0]}" in out
    assert s3_keys(s3_server, backup_bucket) == [f"nightly/{names[1]}"]
    listed = manage("backup", "--list", env=site)
    assert "1 backup(s) in s3://" in listed and names[1] in listed

    wipe(site, before)
    assert s3_keys(s3_server, media_bucket) == ["organizations/stray.txt"]

    out = manage("restore", "latest", "--yes", env=site)
    assert f"Restored backup {names[-1]}" in out
    assert snapshot(site) == before
    assert len(s3_keys(s3_server, media_bucket)) == 2
