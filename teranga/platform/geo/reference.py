"""Reference data: the 14 regions of Senegal and their 46 departments.

Codes are the ISO 3166-2:SN subdivision codes without the ``SN-`` prefix. This module
is read by the data migration ``0002_load_senegal``; keep it importable without Django.
"""

from __future__ import annotations

# (code, name, departments)
SENEGAL_REGIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("DK", "Dakar", ("Dakar", "Guédiawaye", "Keur Massar", "Pikine", "Rufisque")),
    ("DB", "Diourbel", ("Bambey", "Diourbel", "Mbacké")),
    ("FK", "Fatick", ("Fatick", "Foundiougne", "Gossas")),
    ("KA", "Kaffrine", ("Birkelane", "Kaffrine", "Koungheul", "Malem-Hodar")),
    ("KL", "Kaolack", ("Guinguinéo", "Kaolack", "Nioro du Rip")),
    ("KE", "Kédougou", ("Kédougou", "Salémata", "Saraya")),
    ("KD", "Kolda", ("Kolda", "Médina Yoro Foulah", "Vélingara")),
    ("LG", "Louga", ("Kébémer", "Linguère", "Louga")),
    ("MT", "Matam", ("Kanel", "Matam", "Ranérou-Ferlo")),
    ("SL", "Saint-Louis", ("Dagana", "Podor", "Saint-Louis")),
    ("SE", "Sédhiou", ("Bounkiling", "Goudomp", "Sédhiou")),
    ("TC", "Tambacounda", ("Bakel", "Goudiry", "Koumpentoum", "Tambacounda")),
    ("TH", "Thiès", ("Mbour", "Thiès", "Tivaouane")),
    ("ZG", "Ziguinchor", ("Bignona", "Oussouye", "Ziguinchor")),
)

REGION_COUNT = len(SENEGAL_REGIONS)
DEPARTMENT_COUNT = sum(len(departments) for _, _, departments in SENEGAL_REGIONS)
