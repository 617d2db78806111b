"""Ports, sea waypoints and each nation's AIS coverage.

Coordinates are approximate public positions of real ports, named by their
UN/LOCODE. Waypoints keep straight sea legs off land (a leg from Cartagena to
Algeciras goes through the Anegada Passage rather than across Hispaniola).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Port:
    locode: str
    name: str
    country: str  # ISO 3166-1 alpha-2, upper case
    lat: float
    lon: float


PORTS: dict[str, Port] = {p.locode: p for p in [
    Port("COBUN", "Buenaventura", "CO", 3.88, -77.07),
    Port("COCTG", "Cartagena", "CO", 10.39, -75.53),
    Port("COSMR", "Santa Marta", "CO", 11.25, -74.22),
    Port("COTRB", "Turbo", "CO", 8.09, -76.73),
    Port("COTCO", "Tumaco", "CO", 1.80, -78.76),
    Port("MXZLO", "Manzanillo", "MX", 19.05, -104.32),
    Port("MXLZC", "Lázaro Cárdenas", "MX", 17.93, -102.18),
    Port("MXVER", "Veracruz", "MX", 19.20, -96.13),
    Port("MXATM", "Altamira", "MX", 22.48, -97.87),
    Port("PABLB", "Balboa", "PA", 8.95, -79.57),
    Port("PAMIT", "Manzanillo (Colón)", "PA", 9.36, -79.88),
    Port("PAAML", "Almirante", "PA", 9.30, -82.40),
    Port("USHOU", "Houston", "US", 29.73, -95.27),
    Port("USMIA", "Miami", "US", 25.77, -80.17),
    Port("USLGB", "Long Beach", "US", 33.75, -118.21),
    Port("USPEF", "Port Everglades", "US", 26.09, -80.12),
    Port("ESALG", "Algeciras", "ES", 36.13, -5.44),
    Port("ESVLC", "Valencia", "ES", 39.45, -0.32),
    Port("ESBCN", "Barcelona", "ES", 41.35, 2.16),
    Port("ESVGO", "Vigo", "ES", 42.24, -8.73),
    Port("ESLPA", "Las Palmas", "ES", 28.14, -15.42),
    Port("ECGYE", "Guayaquil", "EC", -2.28, -79.91),
    Port("ECPSJ", "Posorja", "EC", -2.70, -80.25),
    Port("ECMEC", "Manta", "EC", -0.93, -80.72),
    Port("GTPRQ", "Puerto Quetzal", "GT", 13.92, -90.79),
    Port("GTSTC", "Santo Tomás de Castilla", "GT", 15.69, -88.62),
    Port("NLRTM", "Rotterdam", "NL", 51.95, 4.05),
    Port("NLVLI", "Vlissingen", "NL", 51.44, 3.60),
    Port("BEANR", "Antwerpen", "BE", 51.26, 4.39),
]}

# Named sea points that legs pass through.
WAYPOINTS: dict[str, tuple[float, float]] = {
    "CANAL": (9.15, -79.75),
    "ANEGADA": (18.6, -64.5),
    "YUCATAN": (21.8, -85.6),
    "FLORIDA": (24.2, -81.8),
    "CABO": (22.3, -110.3),
    "BAJA": (28.5, -116.3),
    "FINISTERRE": (43.4, -10.2),
    "USHANT": (48.6, -5.9),
    "DOVER": (51.0, 1.6),
    "GIBRALTAR": (35.95, -6.2),
    "AZORES": (37.5, -25.0),
    "PANAMA_GULF": (7.2, -79.6),
    "MALPELO": (4.0, -81.0),
}

def port_basin(locode: str) -> str:
    pacific = {"COBUN", "COTCO", "MXZLO", "MXLZC", "PABLB", "USLGB", "ECGYE", "ECPSJ",
               "ECMEC", "GTPRQ"}
    europe = {"ESALG", "ESVLC", "ESBCN", "ESVGO", "ESLPA", "NLRTM", "NLVLI", "BEANR"}
    gulf = {"MXVER", "MXATM", "USHOU"}
    if locode in pacific:
        return "pacific"
    if locode in europe:
        return "europe"
    if locode in gulf:
        return "gulf"
    return "caribbean"


def sea_path(a: str, b: str) -> list[tuple[float, float]]:
    """Points from port ``a`` to port ``b`` (both included) along plausible sea lanes."""
    pa, pb = PORTS[a], PORTS[b]
    path = [(pa.lat, pa.lon)] + [WAYPOINTS[w] for w in _via(a, b)] + [(pb.lat, pb.lon)]
    return path


def _via(a: str, b: str) -> list[str]:
    ba, bb = port_basin(a), port_basin(b)
    if ba == bb:
        if ba == "pacific" and "USLGB" in (a, b):
            # Around Cabo San Lucas and off Baja California, not across them.
            return ["CABO", "BAJA"] if b == "USLGB" else ["BAJA", "CABO"]
        if ba == "europe":
            north = {"NLRTM", "NLVLI", "BEANR"}
            if (a in north) != (b in north):
                lane = ["FINISTERRE", "USHANT", "DOVER"]
                if a in {"ESVLC", "ESBCN", "ESALG"} or b in {"ESVLC", "ESBCN", "ESALG"}:
                    lane = ["GIBRALTAR"] + lane
                return lane if b in north else lane[::-1]
        return []
    order = ["pacific", "caribbean", "gulf", "europe"]
    legs: dict[tuple[str, str], list[str]] = {
        ("pacific", "caribbean"): ["PANAMA_GULF", "CANAL"],
        ("pacific", "gulf"): ["PANAMA_GULF", "CANAL", "YUCATAN"],
        ("pacific", "europe"): ["PANAMA_GULF", "CANAL", "ANEGADA", "AZORES"],
        ("caribbean", "gulf"): ["YUCATAN"],
        ("caribbean", "europe"): ["ANEGADA", "AZORES"],
        ("gulf", "europe"): ["FLORIDA", "AZORES"],
    }
    if order.index(ba) < order.index(bb):
        lane = legs[(ba, bb)]
    else:
        lane = legs[(bb, ba)][::-1]
    if b in {"USMIA", "USPEF"} or a in {"USMIA", "USPEF"}:
        lane = [w for w in lane if w != "YUCATAN"]
    if bb == "europe" and b in {"ESVLC", "ESBCN", "ESALG"}:
        lane = lane + ["GIBRALTAR"]
    if ba == "europe" and a in {"ESVLC", "ESBCN", "ESALG"}:
        lane = ["GIBRALTAR"] + lane
    return lane

Box = tuple[float, float, float, float]  # lat_min, lat_max, lon_min, lon_max

# The sea areas each nation's AIS receivers (coastal and satellite) cover.
COVERAGE: dict[str, tuple[Box, ...]] = {
    "CO": ((0.5, 8.0, -82.0, -77.0), (7.5, 13.5, -78.5, -71.0)),
    "PA": ((5.0, 10.5, -83.5, -77.0),),
    "MX": ((14.0, 24.0, -111.0, -92.0), (18.0, 26.5, -98.0, -86.0)),
    "US": ((24.0, 31.0, -98.0, -79.0), (31.0, 35.0, -121.0, -116.0), (16.5, 20.0, -70.0, -64.0)),
    "ES": ((35.0, 44.5, -11.0, 4.5), (27.0, 30.0, -19.0, -13.0)),
    "EC": ((-4.5, 2.0, -92.0, -79.0),),
    "GT": ((12.5, 16.5, -93.0, -88.0),),
    "NL": ((50.5, 54.0, 2.0, 7.5),),
}


def covered(nation: str, lat: float, lon: float) -> bool:
    return any(a <= lat <= b and c <= lon <= d for a, b, c, d in COVERAGE.get(nation, ()))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return (math.degrees(math.atan2(y, x)) + 360.0) % 360.0


def offset(lat: float, lon: float, north_km: float, east_km: float) -> tuple[float, float]:
    """The point ``north_km`` north and ``east_km`` east of (lat, lon)."""
    dlat = north_km / 111.32
    dlon = east_km / (111.32 * max(0.05, math.cos(math.radians(lat))))
    return lat + dlat, lon + dlon


CITY_COORDS: dict[str, tuple[float, float]] = {
    "Bogotá": (4.711, -74.072), "Medellín": (6.244, -75.581), "Cali": (3.452, -76.532),
    "Barranquilla": (10.964, -74.796), "Cartagena": (10.391, -75.479),
    "Buenaventura": (3.883, -77.031), "Tumaco": (1.807, -78.764),
    "Santa Marta": (11.240, -74.199), "Pereira": (4.813, -75.696), "Cúcuta": (7.893, -72.508),
    "Ciudad de México": (19.433, -99.133), "Guadalajara": (20.659, -103.349),
    "Culiacán": (24.809, -107.394), "Tijuana": (32.514, -117.038),
    "Manzanillo": (19.113, -104.338), "Monterrey": (25.686, -100.316),
    "Lázaro Cárdenas": (17.958, -102.194), "Veracruz": (19.173, -96.134),
    "Hermosillo": (29.072, -110.956), "Mazatlán": (23.249, -106.411),
    "Miami": (25.762, -80.192), "Houston": (29.760, -95.370), "Los Angeles": (34.052, -118.244),
    "New York": (40.713, -74.006), "San Diego": (32.716, -117.161), "Chicago": (41.878, -87.630),
    "Atlanta": (33.749, -84.388), "Phoenix": (33.448, -112.074), "El Paso": (31.762, -106.485),
    "Newark": (40.736, -74.172), "Ciudad de Panamá": (8.983, -79.517), "Colón": (9.359, -79.901),
    "David": (8.427, -82.431), "Santiago": (8.100, -80.983), "Chitré": (7.961, -80.429),
    "La Chorrera": (8.880, -79.783), "Madrid": (40.417, -3.704), "Barcelona": (41.385, 2.173),
    "Valencia": (39.470, -0.376), "Algeciras": (36.140, -5.456), "Vigo": (42.240, -8.721),
    "Málaga": (36.721, -4.421), "Sevilla": (37.389, -5.984), "Pontevedra": (42.431, -8.644),
    "Cádiz": (36.527, -6.289), "Las Palmas de Gran Canaria": (28.124, -15.430),
    "Guayaquil": (-2.170, -79.922), "Quito": (-0.181, -78.468), "Manta": (-0.967, -80.709),
    "Machala": (-3.258, -79.955), "Esmeraldas": (0.968, -79.652), "Cuenca": (-2.900, -79.005),
    "Ciudad de Guatemala": (14.634, -90.507), "Puerto Barrios": (15.727, -88.595),
    "Escuintla": (14.305, -90.785), "Quetzaltenango": (14.845, -91.518),
    "Huehuetenango": (15.320, -91.471), "Rotterdam": (51.924, 4.478),
    "Amsterdam": (52.368, 4.904), "Den Haag": (52.070, 4.300), "Utrecht": (52.091, 5.122),
    "Vlissingen": (51.442, 3.574), "Breda": (51.589, 4.776),
}
# Border crossings where number-plate readers on both sides see a car go through.
CROSSINGS: dict[str, tuple[float, float, str, str]] = {
    "San Ysidro": (32.542, -117.030, "US", "MX"), "Nogales": (31.333, -110.943, "US", "MX"),
    "Laredo": (27.500, -99.507, "US", "MX"), "Tecún Umán": (14.677, -92.145, "GT", "MX"),
}
