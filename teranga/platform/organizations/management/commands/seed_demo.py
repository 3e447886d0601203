from django.core.management.base import BaseCommand

from teranga.platform.organizations.demo import demo_password, seed_demo


class Command(BaseCommand):
    help = "Create or refresh the demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        password = demo_password()
        logins = seed_demo(password)
        widths = [
            max(len(str(row[i])) for row in [("email", "role", "organisation"), *logins])
            for i in range(3)
        ]
        line = "  ".join(f"{{:<{w}}}" for w in widths)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins:"))
        self.stdout.write(line.format("email", "role", "organisation"))
        self.stdout.write(line.format(*("-" * w for w in widths)))
        for row in logins:
            self.stdout.write(line.format(*row))
        self.stdout.write(f"\nPassword for every demo login: {password}")
