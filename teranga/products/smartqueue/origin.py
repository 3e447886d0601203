"""Where a client comes from: the nearest place of a small reference table.

The table holds the centroids of the communes of the Dakar region (the 19 communes
d'arrondissement of Dakar, and the main communes of Pikine, Guédiawaye, Keur Massar and
Rufisque) and the 14 regional capitals. A position takes the nearest centroid within its
radius (a few kilometres for a Dakar commune, 25 km around a capital); farther from all
of them, the origin is unknown. Only the region's code and the commune's name are kept
on the ticket — never the position itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from teranga.platform.geo.distance import haversine_km
from teranga.platform.geo.models import Region

DAKAR_COMMUNE_RADIUS_KM = 4.0
CAPITAL_RADIUS_KM = 25.0


@dataclass(frozen=True)
class Place:
    region_code: str
    commune: str
    latitude: float
    longitude: float
    radius_km: float


def _dakar(commune: str, latitude: float, longitude: float) -> Place:
    return Place("DK", commune, latitude, longitude, DAKAR_COMMUNE_RADIUS_KM)


def _capital(code: str, commune: str, latitude: float, longitude: float) -> Place:
    return Place(code, commune, latitude, longitude, CAPITAL_RADIUS_KM)


PLACES: tuple[Place, ...] = (
    # Dakar department: the 19 communes d'arrondissement.
    _dakar("Dakar-Plateau", 14.6700, -17.4330),
    _dakar("Médina", 14.6810, -17.4460),
    _dakar("Gueule Tapée-Fass-Colobane", 14.6890, -17.4520),
    _dakar("Fann-Point E-Amitié", 14.6920, -17.4640),
    _dakar("Gorée", 14.6670, -17.3980),
    _dakar("Grand Dakar", 14.7070, -17.4530),
    _dakar("Biscuiterie", 14.7140, -17.4480),
    _dakar("HLM", 14.7100, -17.4420),
    _dakar("Dieuppeul-Derklé", 14.7200, -17.4590),
    _dakar("Sicap-Liberté", 14.7180, -17.4650),
    _dakar("Hann Bel-Air", 14.7180, -17.4250),
    _dakar("Mermoz-Sacré-Cœur", 14.7090, -17.4800),
    _dakar("Ouakam", 14.7250, -17.4930),
    _dakar("Ngor", 14.7480, -17.5130),
    _dakar("Yoff", 14.7560, -17.4730),
    _dakar("Grand Yoff", 14.7370, -17.4510),
    _dakar("Patte d'Oie", 14.7470, -17.4410),
    _dakar("Parcelles Assainies", 14.7640, -17.4400),
    _dakar("Cambérène", 14.7700, -17.4280),
    # The suburbs.
    _dakar("Pikine", 14.7550, -17.3920),
    _dakar("Thiaroye", 14.7520, -17.3600),
    _dakar("Guédiawaye", 14.7790, -17.3960),
    _dakar("Keur Massar", 14.7830, -17.3110),
    _dakar("Rufisque", 14.7160, -17.2730),
    _dakar("Bargny", 14.6980, -17.2250),
    _dakar("Diamniadio", 14.7240, -17.1830),
    # The regional capitals (Dakar's own is covered above).
    _capital("TH", "Thiès", 14.7910, -16.9360),
    _capital("DB", "Diourbel", 14.6550, -16.2310),
    _capital("FK", "Fatick", 14.3390, -16.4110),
    _capital("KA", "Kaffrine", 14.1060, -15.5510),
    _capital("KL", "Kaolack", 14.1520, -16.0730),
    _capital("KE", "Kédougou", 12.5600, -12.1750),
    _capital("KD", "Kolda", 12.8980, -14.9410),
    _capital("LG", "Louga", 15.6140, -16.2240),
    _capital("MT", "Matam", 15.6560, -13.2550),
    _capital("SL", "Saint-Louis", 16.0180, -16.4900),
    _capital("SE", "Sédhiou", 12.7080, -15.5570),
    _capital("TC", "Tambacounda", 13.7710, -13.6670),
    _capital("ZG", "Ziguinchor", 12.5680, -16.2720),
)


def nearest_place(latitude, longitude) -> Place | None:
    """The nearest reference place whose radius covers the point, or ``None``."""
    best: tuple[float, Place] | None = None
    for place in PLACES:
        distance = haversine_km(latitude, longitude, place.latitude, place.longitude)
        if distance <= place.radius_km and (best is None or distance < best[0]):
            best = (distance, place)
    return best[1] if best else None


def region_by_code(code: str) -> Region | None:
    return Region.objects.filter(code=code).first()
