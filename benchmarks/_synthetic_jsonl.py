"""Deterministic synthetic JSONL inputs for the import and search benchmarks.

People (name, alias, birth date, nationality, phone: five statements each) in
reports of 2 000 people, written straight to disk so generating a million
statements takes no memory. Names mix Spanish, Portuguese and English first
and last names with accents; phones are valid Colombian mobiles, unique per
person.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

FIRST = ["Joaquín", "José", "María", "Ana", "Luis", "Carlos", "Juan", "Jorge", "Pedro", "Rosa",
         "Andrés", "Camila", "Diego", "Elena", "Fernando", "Gabriela", "Héctor", "Isabel",
         "Javier", "Lucía", "Manuel", "Natalia", "Óscar", "Paula", "Ramón", "Sofía", "Tomás",
         "Valeria", "Ximena", "Yolanda", "João", "Gonçalo", "Michael", "Sarah", "David",
         "Laura", "Miguel", "Carmen", "Rafael", "Teresa"]
LAST = ["Guzmán", "Loera", "Zambada", "García", "Rodríguez", "Martínez", "Hernández", "López",
        "González", "Pérez", "Sánchez", "Ramírez", "Torres", "Flores", "Rivera", "Gómez",
        "Díaz", "Cruz", "Morales", "Reyes", "Gutiérrez", "Ortiz", "Chávez", "Ruiz", "Jiménez",
        "Mendoza", "Álvarez", "Castillo", "Vargas", "Romero", "Herrera", "Medina", "Aguilar",
        "Castro", "Silva", "Souza", "Oliveira", "Smith", "Johnson", "Caro", "Quintero",
        "Carrillo", "Fuentes", "Arellano", "Félix", "Beltrán", "Leyva", "Cárdenas", "Osorio",
        "Salazar"]
_PREFIXES = [300, 301, 302, 303, 304, 305, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319,
             320, 321, 322, 323]
COUNTRIES = ["co", "mx", "pe", "ec", "br", "us", "es", "pa"]
PER_PERSON = 5
PER_REPORT = 2000


def person(i: int, rng: random.Random) -> dict[str, object]:
    first, last, last2 = rng.choice(FIRST), rng.choice(LAST), rng.choice(LAST)
    prefix = _PREFIXES[i % len(_PREFIXES)]
    line = 2_000_000 + (i // len(_PREFIXES)) % 7_000_000
    return {
        "id": f"per-{i:07d}", "schema": "Person", "report": f"R-{i // PER_REPORT:05d}",
        "properties": {
            "name": [f"{first} {last} {last2}"],
            "alias": [f"{rng.choice(FIRST)} {last}"],
            "birthDate": [f"{1950 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d}"],
            "nationality": [COUNTRIES[i % len(COUNTRIES)]],
            "phone": [f"+57 {prefix} {line // 10_000:03d} {line % 10_000:04d}"],
        },
    }


def write_people(path: Path, statements: int, *, seed: int = 7) -> int:
    """Write about ``statements`` statements (a multiple of five); returns the exact count."""
    rng = random.Random(seed)
    people = max(1, statements // PER_PERSON)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(people):
            if i % PER_REPORT == 0:
                out.write(json.dumps({"kind": "report", "id": f"R-{i // PER_REPORT:05d}",
                                      "title": f"Synthetic report {i // PER_REPORT}",
                                      "created": "2026-01-01T00:00:00Z"}) + "\n")
            out.write(json.dumps(person(i, rng), ensure_ascii=False) + "\n")
    return people * PER_PERSON
