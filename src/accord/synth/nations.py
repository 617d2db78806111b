"""The agencies taking part, and how each one writes what it sees.

A ``Nation`` fixes an agency's report-id prefix and node id, the language of
its reports, its population, and its writing habits: whether it keeps
accents, puts surnames first or in capitals, drops second surnames, which
romanisation it prefers for foreign names, how it formats phone numbers,
IBANs and IMO numbers, and how cautious its markings are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from accord.domain.errors import InvalidValue


@dataclass(frozen=True)
class NameHabits:
    """Probabilities that a varied mention follows each of the agency's habits."""

    drop_accents: float
    surname_first: float
    upper_surname: float
    drop_second_surname: float
    romanisation: tuple[int, ...]  # preferred romanisation indexes, best first
    native_script: float  # writes a foreign name in its own script


@dataclass(frozen=True)
class Nation:
    code: str
    agency: str
    agency_name: str
    language: str  # es | en | nl
    currency: str
    cities: tuple[str, ...]
    population: tuple[tuple[str, float], ...]  # culture -> share of residents
    habits: NameHabits
    phone_styles: tuple[tuple[str, float], ...]
    iban_styles: tuple[tuple[str, float], ...] = (("print", 0.6), ("electronic", 0.4))
    imo_styles: tuple[tuple[str, float], ...] = (("prefixed", 0.5), ("bare", 0.5))
    legal_forms: tuple[str, ...] = ("S.A.",)
    caution: float = 0.5  # leaning towards stricter markings (0..1)
    id_kind: str = "digits"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def node(self) -> str:
        """The node id of this agency, e.g. ``co-dijin``."""
        return f"{self.code.lower()}-{self.agency.lower()}"

    def report_id(self, year: int, seq: int) -> str:
        return f"{self.code}-{self.agency}-{year}-{seq:06d}"


_HISP = ("hispanic", 1.0)

NATIONS: dict[str, Nation] = {n.code: n for n in [
    Nation(
        "CO", "DIJIN", "Dirección de Investigación Criminal e INTERPOL", "es", "COP",
        ("Bogotá", "Medellín", "Cali", "Barranquilla", "Cartagena", "Buenaventura", "Tumaco",
         "Santa Marta", "Pereira", "Cúcuta"),
        (("hispanic", 0.97), ("anglo", 0.01), ("arabic", 0.01), ("chinese", 0.01)),
        NameHabits(0.35, 0.45, 0.5, 0.15, (2, 0, 1), 0.02),
        (("intl", 0.4), ("e164", 0.2), ("dash", 0.1), ("national", 0.3)),
        legal_forms=("S.A.S.", "S.A.", "Ltda."), caution=0.5, id_kind="co_cedula"),
    Nation(
        "MX", "FGR", "Fiscalía General de la República", "es", "MXN",
        ("Ciudad de México", "Guadalajara", "Culiacán", "Tijuana", "Manzanillo", "Monterrey",
         "Lázaro Cárdenas", "Veracruz", "Hermosillo", "Mazatlán"),
        (("hispanic", 0.96), ("anglo", 0.02), ("chinese", 0.02)),
        NameHabits(0.5, 0.5, 0.7, 0.2, (2, 0, 1), 0.02),
        (("intl", 0.35), ("e164", 0.2), ("dot", 0.1), ("paren", 0.15), ("national", 0.2)),
        legal_forms=("S.A. de C.V.", "S. de R.L. de C.V."), caution=0.55, id_kind="mx_curp"),
    Nation(
        "US", "DEA", "Drug Enforcement Administration", "en", "USD",
        ("Miami", "Houston", "Los Angeles", "New York", "San Diego", "Chicago", "Atlanta",
         "Phoenix", "El Paso", "Newark"),
        (("anglo", 0.64), ("hispanic", 0.3), ("chinese", 0.03), ("arabic", 0.02),
         ("slavic", 0.01)),
        NameHabits(0.9, 0.2, 0.8, 0.6, (0, 1), 0.05),
        (("intl", 0.3), ("e164", 0.4), ("dash", 0.1), ("paren", 0.1), ("national", 0.1)),
        legal_forms=("LLC", "Inc.", "Corp."), caution=0.7, id_kind="us_ssn"),
    Nation(
        "PA", "SENAN", "Servicio Nacional Aeronaval", "es", "USD",
        ("Ciudad de Panamá", "Colón", "David", "Santiago", "Chitré", "La Chorrera"),
        (("hispanic", 0.9), ("chinese", 0.05), ("arabic", 0.03), ("anglo", 0.02)),
        NameHabits(0.6, 0.3, 0.4, 0.3, (2, 0, 1), 0.02),
        (("intl", 0.45), ("e164", 0.25), ("dash", 0.15), ("national", 0.15)),
        legal_forms=("S.A.", "Corp.", "Inc."), caution=0.45, id_kind="pa_cedula"),
    Nation(
        "ES", "UDYCO", "Unidad de Drogas y Crimen Organizado", "es", "EUR",
        ("Madrid", "Barcelona", "Valencia", "Algeciras", "Vigo", "Málaga", "Sevilla",
         "Pontevedra", "Cádiz", "Las Palmas de Gran Canaria"),
        (("hispanic", 0.86), ("arabic", 0.07), ("slavic", 0.03), ("albanian", 0.02),
         ("anglo", 0.02)),
        NameHabits(0.1, 0.55, 0.6, 0.1, (2, 1, 0), 0.04),
        (("intl", 0.4), ("e164", 0.15), ("idd", 0.25), ("national", 0.2)),
        legal_forms=("S.L.", "S.A."), caution=0.6, id_kind="es_dni"),
    Nation(
        "EC", "DNA", "Dirección Nacional Antinarcóticos", "es", "USD",
        ("Guayaquil", "Quito", "Manta", "Machala", "Esmeraldas", "Cuenca"),
        (("hispanic", 0.96), ("albanian", 0.02), ("chinese", 0.02)),
        NameHabits(0.5, 0.4, 0.5, 0.2, (2, 0, 1), 0.02),
        (("intl", 0.5), ("e164", 0.3), ("dash", 0.2)),
        legal_forms=("S.A.", "Cía. Ltda."), caution=0.5, id_kind="ec_ci"),
    Nation(
        "GT", "DAIA", "Dirección de Análisis e Información Antinarcótica", "es", "GTQ",
        ("Ciudad de Guatemala", "Puerto Barrios", "Escuintla", "Quetzaltenango", "Huehuetenango"),
        (_HISP,),
        NameHabits(0.5, 0.4, 0.5, 0.25, (2, 0), 0.01),
        (("intl", 0.6), ("e164", 0.4)),
        legal_forms=("S.A.",), caution=0.45, id_kind="digits"),
    Nation(
        "NL", "DLR", "Dienst Landelijke Recherche", "nl", "EUR",
        ("Rotterdam", "Amsterdam", "Den Haag", "Utrecht", "Vlissingen", "Breda"),
        (("dutch", 0.8), ("arabic", 0.1), ("hispanic", 0.04), ("albanian", 0.03),
         ("slavic", 0.03)),
        NameHabits(0.7, 0.2, 0.5, 0.5, (3, 1, 0), 0.05),
        (("intl", 0.4), ("e164", 0.3), ("idd", 0.2), ("national", 0.1)),
        legal_forms=("B.V.", "N.V."), caution=0.6, id_kind="nl_bsn"),
]}

DEFAULT_NATIONS = ("CO", "MX", "US", "PA", "ES")


def parse_nations(raw: str | list[str] | tuple[str, ...]) -> list[Nation]:
    """Nations from ``"CO,MX,US"`` or a list; at least two, all known, no repeats."""
    codes = [c.strip().upper() for c in (raw.split(",") if isinstance(raw, str) else raw)]
    codes = [c for c in codes if c]
    unknown = [c for c in codes if c not in NATIONS]
    if unknown:
        raise InvalidValue(f"unknown nation(s) {', '.join(unknown)} "
                           f"(choose from {', '.join(NATIONS)})", where="nations")
    if len(set(codes)) != len(codes):
        raise InvalidValue("a nation is listed twice", where="nations")
    if len(codes) < 2:
        raise InvalidValue("at least two nations are needed for a shared picture",
                           where="nations")
    return [NATIONS[c] for c in codes]
