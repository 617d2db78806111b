"""Report headers as an analyst of each agency would write them.

Titles and narratives are in the agency's language; markings and grading
follow the kind of source: intercepts and informants are tightly held (RED,
AMBER+STRICT, H1/H3 with the restriction stated, originator control),
financial and profile reports are AMBER with H2, customs declarations and
AIS feeds are GREEN, registry extracts CLEAR. A cautious agency raises the
TLP more often, and some reports carry a releasability list.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from accord.synth.nations import Nation

TLP_ORDER = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")

# kind -> (TLP, PAP, handling codes, grading choices)
BASE: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {
    "profile": ("AMBER", "AMBER", ("H2",), ("B2", "B2", "A2", "C2")),
    "assessment": ("AMBER", "AMBER", ("H2",), ("B2", "B3", "C3")),
    "informant": ("RED", "RED", ("H3",), ("C3", "B3", "D3", "C2")),
    "seizure": ("GREEN", "GREEN", ("H0",), ("A1", "A1", "A2")),
    "surveillance": ("AMBER+STRICT", "RED", ("H1", "H2"), ("B2", "A2")),
    "cdr": ("AMBER", "AMBER", ("H1",), ("A2", "B2")),
    "fiu": ("AMBER", "AMBER", ("H2",), ("B2", "B1")),
    "customs": ("GREEN", "GREEN", ("H0",), ("A2", "B2")),
    "ais": ("GREEN", "CLEAR", ("H0",), ("B2", "B1")),
    "registry": ("CLEAR", "CLEAR", ("H0",), ("A1",)),
    "border": ("AMBER", "AMBER", ("H1",), ("A2",)),
}
RESTRICTIONS = {
    "es": ("No actuar sobre esta información sin consultar previamente al originador; "
           "protección de la fuente."),
    "en": "No action on this information without prior consultation of the originator; "
          "source protection.",
    "nl": "Geen actie zonder voorafgaand overleg met de verstrekker; bronbescherming.",
}
PURPOSE = {"es": "investigación de tráfico de drogas", "en": "drug-trafficking investigation",
           "nl": "onderzoek naar drugshandel"}
TITLES: dict[str, dict[str, str]] = {
    "es": {
        "profile": "Perfil de objetivo: {subject}",
        "assessment": "Evaluación de la estructura criminal: {subject}",
        "informant": "Informe de fuente humana {subject}",
        "seizure": "Incautación de {subject}",
        "surveillance": "Vigilancia operativa: {subject}",
        "cdr": "Registros de comunicaciones (orden judicial) {subject}",
        "fiu": "Reportes de operaciones financieras {subject}",
        "customs": "Declaraciones y manifiestos aduaneros {subject}",
        "ais": "Posiciones AIS {subject}",
        "registry": "Registro mercantil: novedades {subject}",
        "border": "Cruces fronterizos y aeronaves {subject}",
    },
    "en": {
        "profile": "Target profile: {subject}",
        "assessment": "Organization assessment: {subject}",
        "informant": "Confidential source debrief {subject}",
        "seizure": "Seizure of {subject}",
        "surveillance": "Surveillance operation: {subject}",
        "cdr": "Toll records (court order) {subject}",
        "fiu": "Financial transaction reports {subject}",
        "customs": "Customs declarations and manifests {subject}",
        "ais": "AIS positions {subject}",
        "registry": "Corporate registry updates {subject}",
        "border": "Border crossings and aircraft {subject}",
    },
    "nl": {
        "profile": "Doelpersoonprofiel: {subject}",
        "assessment": "Analyse criminele organisatie: {subject}",
        "informant": "Informantenverslag {subject}",
        "seizure": "Inbeslagname van {subject}",
        "surveillance": "Observatie: {subject}",
        "cdr": "Historische verkeersgegevens (vordering) {subject}",
        "fiu": "FIU-meldingen {subject}",
        "customs": "Douaneaangiften en manifesten {subject}",
        "ais": "AIS-posities {subject}",
        "registry": "Handelsregister: mutaties {subject}",
        "border": "Grensovergangen en luchtvaartuigen {subject}",
    },
}
NARRATIVES: dict[str, dict[str, str]] = {
    "es": {
        "profile": "Se consolida la información disponible sobre {subject}: identificación, "
                   "líneas telefónicas y cuentas conocidas.",
        "assessment": "Análisis de la estructura, roles y empresas vinculadas de {subject}.",
        "informant": "Fuente {subject} aporta información sobre personas y teléfonos. "
                     "Información no corroborada.",
        "seizure": "Incautación de {subject}. Se adjuntan los elementos relacionados.",
        "surveillance": "Dispositivo de vigilancia: {subject}.",
        "cdr": "Registros obtenidos por orden judicial, día {subject}.",
        "fiu": "Operaciones reportadas por entidades financieras, día {subject}.",
        "customs": "Declaraciones de exportación/importación y manifiestos, día {subject}.",
        "ais": "Posiciones AIS recibidas (costeras y satelitales), día {subject}.",
        "registry": "Inscripciones y cambios en el registro mercantil, {subject}.",
        "border": "Lecturas de matrículas y trazas ADS-B, día {subject}.",
    },
    "en": {
        "profile": "Consolidated information on {subject}: identification, phone lines and "
                   "known accounts.",
        "assessment": "Structure, roles and associated companies of {subject}.",
        "informant": "Source {subject} reporting on persons and phones. Uncorroborated.",
        "seizure": "Seizure of {subject}. Related items attached.",
        "surveillance": "Surveillance operation: {subject}.",
        "cdr": "Toll records obtained under court order, day {subject}.",
        "fiu": "Transactions reported by financial institutions, day {subject}.",
        "customs": "Export/import declarations and manifests, day {subject}.",
        "ais": "AIS positions received (terrestrial and satellite), day {subject}.",
        "registry": "Registrations and changes in the corporate registry, {subject}.",
        "border": "Plate reads and ADS-B tracks, day {subject}.",
    },
    "nl": {
        "profile": "Samenvatting van de informatie over {subject}: identiteit, "
                   "telefoonnummers en bekende rekeningen.",
        "assessment": "Structuur, rollen en gelieerde bedrijven van {subject}.",
        "informant": "Informant {subject} meldt personen en telefoonnummers. Niet bevestigd.",
        "seizure": "Inbeslagname van {subject}. Gerelateerde gegevens bijgevoegd.",
        "surveillance": "Observatie: {subject}.",
        "cdr": "Verkeersgegevens op vordering, dag {subject}.",
        "fiu": "Door banken gemelde transacties, dag {subject}.",
        "customs": "Uitvoer-/invoeraangiften en manifesten, dag {subject}.",
        "ais": "Ontvangen AIS-posities (kust en satelliet), dag {subject}.",
        "registry": "Inschrijvingen en wijzigingen in het handelsregister, {subject}.",
        "border": "Kentekenregistraties en ADS-B-sporen, dag {subject}.",
    },
}


def header(nation: Nation, kind: str, subject: str, created: datetime, rng: random.Random,
           partners: list[str]) -> dict[str, Any]:
    """The fields of a report line (without id, origin and created)."""
    lang = nation.language
    tlp, pap, handling, gradings = BASE[kind]
    if rng.random() < nation.caution * 0.3 and tlp in ("GREEN", "AMBER"):
        tlp = TLP_ORDER[TLP_ORDER.index(tlp) + 1]
    markings: dict[str, Any] = {"tlp": tlp, "pap": pap, "handling": list(handling)}
    if "H3" in handling:
        markings["restrictions"] = [RESTRICTIONS[lang]]
        markings["originator_control"] = True
    elif kind in ("profile", "assessment", "surveillance") and rng.random() < 0.2:
        markings["handling"] = ["H3"]
        markings["restrictions"] = [RESTRICTIONS[lang]]
    if partners and kind not in ("ais", "registry") and rng.random() < 0.3:
        markings["releasable_to"] = sorted(rng.sample(partners, min(len(partners),
                                                                    rng.randrange(1, 4))))
    out: dict[str, Any] = {
        "title": TITLES[lang][kind].format(subject=subject),
        "narrative": NARRATIVES[lang][kind].format(subject=subject),
        "purpose": PURPOSE[lang],
        "markings": markings,
        "grading": {"scale": "admiralty", "source": (g := rng.choice(gradings))[0],
                    "information": g[1]},
    }
    if kind not in ("ais", "registry", "customs"):
        out["review_date"] = (created + timedelta(days=365 * (2 if tlp == "RED" else 3))
                              ).date().isoformat()
    return out


def source_code(nation: Nation, rng: random.Random) -> str:
    prefix = {"es": "FH", "en": "CS", "nl": "CIE"}[nation.language]
    return f"{prefix}-{rng.randrange(100, 9999):04d}"
